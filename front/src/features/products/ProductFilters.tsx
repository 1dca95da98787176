"use client";

import { useTranslations } from "next-intl";

import { SelectField } from "@/components/ui/Field";
import { SearchField } from "@/components/ui/SearchField";

import type { ProductFilters as Filters } from "./filters";
import { PRODUCT_SORTS, PRODUCT_STATUSES } from "./queries";

interface ProductFiltersProps {
  filters: Filters;
  showStatus: boolean;
  onChange(changes: Partial<Filters>): void;
}

export function ProductFilters({ filters, showStatus, onChange }: ProductFiltersProps) {
  const t = useTranslations("products");
  return (
    <div role="search" className="mb-4 grid gap-3 sm:grid-cols-[2fr_1fr_1fr]">
      <SearchField
        label={t("search")}
        placeholder={t("searchPlaceholder")}
        maxLength={100}
        applied={filters.search}
        onApply={(search) => onChange({ search })}
      />
      {showStatus && (
        <SelectField
          label={t("status")}
          value={filters.status ?? ""}
          onChange={(event) => onChange({ status: PRODUCT_STATUSES.find((status) => status === event.target.value) ?? null })}
          options={[
            { value: "", label: t("allStatuses") },
            ...PRODUCT_STATUSES.map((status) => ({ value: status, label: t(`statuses.${status}`) })),
          ]}
        />
      )}
      <SelectField
        label={t("sort")}
        value={filters.sort}
        onChange={(event) => {
          const chosen = PRODUCT_SORTS.find((sort) => sort === event.target.value);
          if (chosen) {
            onChange({ sort: chosen });
          }
        }}
        options={PRODUCT_SORTS.map((sort) => ({ value: sort, label: t(`sorts.${sort}`) }))}
      />
    </div>
  );
}
