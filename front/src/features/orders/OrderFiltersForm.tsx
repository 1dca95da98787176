"use client";

import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Field, SelectField } from "@/components/ui/Field";
import { ORDER_STATUSES, type OrderStatus } from "@/lib/api/enums";

import { hasFilters, NO_FILTERS, type OrderFilters } from "./filters";

interface OrderFiltersFormProps {
  filters: OrderFilters;
  showCustomer: boolean;
  customerError: string | null;
  onChange(changes: Partial<OrderFilters>): void;
}

export function OrderFiltersForm({ filters, showCustomer, customerError, onChange }: OrderFiltersFormProps) {
  const t = useTranslations("orders");
  // The username applies on Enter or on leaving the field, not on every key.
  const [customer, setCustomer] = useState(filters.customer);
  const [appliedCustomer, setAppliedCustomer] = useState(filters.customer);
  if (appliedCustomer !== filters.customer) {
    // The address changed from elsewhere (back, a link, clearing): show what applies now.
    setAppliedCustomer(filters.customer);
    setCustomer(filters.customer);
  }

  function applyCustomer(event?: FormEvent) {
    event?.preventDefault();
    if (customer.trim() !== filters.customer) {
      onChange({ customer: customer.trim() });
    }
  }

  return (
    <form
      role="search"
      aria-label={t("filters.label")}
      onSubmit={applyCustomer}
      className="mb-4 grid grid-cols-1 gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-5 lg:items-end"
    >
      <SelectField
        label={t("filters.status")}
        value={filters.status ?? ""}
        onChange={(event) => onChange({ status: (event.target.value || null) as OrderStatus | null })}
        options={[
          { value: "", label: t("filters.allStatuses") },
          ...ORDER_STATUSES.map((status) => ({ value: status, label: t(`statuses.${status}`) })),
        ]}
      />
      {showCustomer && (
        <Field
          label={t("filters.customer")}
          hint={customerError ? undefined : t("filters.customerHint")}
          error={customerError}
          value={customer}
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => setCustomer(event.target.value)}
          onBlur={() => applyCustomer()}
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
