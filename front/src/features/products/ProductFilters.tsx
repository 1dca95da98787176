"use client";

import { useTranslations } from "next-intl";

import { Field, SelectField } from "@/components/ui/Field";

import { PRODUCT_SORTS, PRODUCT_STATUSES, type ProductSort, type ProductStatus } from "./queries";

interface ProductFiltersProps {
  search: string;
  status: ProductStatus | null;
  sort: ProductSort;
  showStatus: boolean;
  onSearch(search: string): void;
  onStatus(status: ProductStatus | null): void;
  onSort(sort: ProductSort): void;
}

export function ProductFilters(props: ProductFiltersProps) {
  const t = useTranslations("products");
  return (
    <div role="search" className="mb-4 grid gap-3 sm:grid-cols-[2fr_1fr_1fr]">
      <Field
        label={t("search")}
        type="search"
        placeholder={t("searchPlaceholder")}
        value={props.search}
        maxLength={100}
        onChange={(event) => props.onSearch(event.target.value)}
      />
      {props.showStatus && (
        <SelectField
          label={t("status")}
          value={props.status ?? ""}
          onChange={(event) => {
            const chosen = PRODUCT_STATUSES.find((status) => status === event.target.value);
            props.onStatus(chosen ?? null);
          }}
          options={[
            { value: "", label: t("allStatuses") },
            ...PRODUCT_STATUSES.map((status) => ({ value: status, label: t(`statuses.${status}`) })),
          ]}
        />
      )}
      <SelectField
        label={t("sort")}
        value={props.sort}
        onChange={(event) => {
          const chosen = PRODUCT_SORTS.find((sort) => sort === event.target.value);
          if (chosen) {
            props.onSort(chosen);
          }
        }}
        options={PRODUCT_SORTS.map((sort) => ({ value: sort, label: t(`sorts.${sort}`) }))}
      />
    </div>
  );
}
