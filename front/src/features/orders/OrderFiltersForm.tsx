"use client";

import { useTranslations } from "next-intl";
import { useState, type KeyboardEvent, type SyntheticEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Field, SelectField } from "@/components/ui/Field";
import { ORDER_STATUSES, type OrderStatus } from "@/lib/api/enums";

import { hasFilters, MAX_SEARCH_LENGTH, NO_FILTERS, type OrderFilters } from "./filters";

/** What is typed in a text filter, until it applies; the address's value when that changes. */
function useDraft(applied: string) {
  const [value, setValue] = useState(applied);
  const [shown, setShown] = useState(applied);
  if (shown !== applied) {
    // The address changed from elsewhere (back, a link, clearing): show what applies now.
    setShown(applied);
    setValue(applied);
  }
  return { value, setValue };
}

interface OrderFiltersFormProps {
  filters: OrderFilters;
  isAdmin: boolean;
  customerError: string | null;
  onChange(changes: Partial<OrderFilters>): void;
}

export function OrderFiltersForm({ filters, isAdmin, customerError, onChange }: OrderFiltersFormProps) {
  const t = useTranslations("orders");
  // The search and the username apply on Enter or on leaving the field, not on every key.
  const search = useDraft(filters.search);
  const customer = useDraft(filters.customer);

  function apply(event?: SyntheticEvent) {
    event?.preventDefault();
    const changes = { search: search.value.trim(), customer: customer.value.trim() };
    if (changes.search !== filters.search || changes.customer !== filters.customer) {
      onChange(changes);
    }
  }

  // The form has several fields and no submit button, so Enter does not submit it by itself.
  function applyOnEnter(event: KeyboardEvent) {
    if (event.key === "Enter") {
      apply(event);
    }
  }

  return (
    <form
      role="search"
      aria-label={t("filters.label")}
      onSubmit={apply}
      className="mb-4 grid grid-cols-1 gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-6 lg:items-end"
    >
      <Field
        type="search"
        label={t("filters.search")}
        hint={isAdmin ? t("filters.searchHintAdmin") : t("filters.searchHint")}
        value={search.value}
        maxLength={MAX_SEARCH_LENGTH}
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => search.setValue(event.target.value)}
        onKeyDown={applyOnEnter}
        onBlur={() => apply()}
      />
      <SelectField
        label={t("filters.status")}
        value={filters.status ?? ""}
        onChange={(event) => onChange({ status: (event.target.value || null) as OrderStatus | null })}
        options={[
          { value: "", label: t("filters.allStatuses") },
          ...ORDER_STATUSES.map((status) => ({ value: status, label: t(`statuses.${status}`) })),
        ]}
      />
      {isAdmin && (
        <Field
          label={t("filters.customer")}
          hint={customerError ? undefined : t("filters.customerHint")}
          error={customerError}
          value={customer.value}
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => customer.setValue(event.target.value)}
          onKeyDown={applyOnEnter}
          onBlur={() => apply()}
        />
      )}
      <Field
        type="date"
        label={t("filters.from")}
        value={filters.from}
        max={filters.to || undefined}
        onChange={(event) => onChange({ from: event.target.value })}
      />
      <Field
        type="date"
        label={t("filters.to")}
        value={filters.to}
        min={filters.from || undefined}
        onChange={(event) => onChange({ to: event.target.value })}
      />
      <div>
        <Button variant="secondary" disabled={!hasFilters(filters)} onClick={() => onChange(NO_FILTERS)}>
          {t("filters.clear")}
        </Button>
      </div>
    </form>
  );
}
