"use client";

import { useTranslations } from "next-intl";
import { useEffect, useRef, useState } from "react";

import { Field, SelectField } from "@/components/ui/Field";

import type { ProductFilters as Filters } from "./filters";
import { PRODUCT_SORTS, PRODUCT_STATUSES } from "./queries";

const SEARCH_DEBOUNCE_MS = 300;

interface ProductFiltersProps {
  filters: Filters;
  showStatus: boolean;
  onChange(changes: Partial<Filters>): void;
}

export function ProductFilters({ filters, showStatus, onChange }: ProductFiltersProps) {
  const t = useTranslations("products");
  // The search applies once typing pauses; the box shows what is typed meanwhile.
  const [search, setSearch] = useState(filters.search);
  const [sentSearch, setSentSearch] = useState(filters.search);
  const [appliedSearch, setAppliedSearch] = useState(filters.search);
  if (appliedSearch !== filters.search) {
    setAppliedSearch(filters.search);
    if (filters.search !== sentSearch) {
      // The address changed from elsewhere (back, forward, a link): show what applies now.
      setSearch(filters.search);
      setSentSearch(filters.search);
    }
  }
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  function applySearch(value: string) {
    clearTimeout(timer.current);
    timer.current = undefined;
    setSentSearch(value.trim());
    onChange({ search: value.trim() });
  }

  function typeSearch(value: string) {
    setSearch(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => applySearch(value), SEARCH_DEBOUNCE_MS);
  }

  // Leaving the box applies a pending search at once: applied later, its address change
  // would override a navigation the user started meanwhile (a click on "Cart").
  function leaveSearch() {
    if (timer.current !== undefined) {
      applySearch(search);
    }
  }

  return (
    <div role="search" className="mb-4 grid gap-3 sm:grid-cols-[2fr_1fr_1fr]">
      <Field
        label={t("search")}
        type="search"
        placeholder={t("searchPlaceholder")}
        value={search}
        maxLength={100}
        onChange={(event) => typeSearch(event.target.value)}
        onBlur={leaveSearch}
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
