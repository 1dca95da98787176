"use client";

import { useLocale, useTranslations } from "next-intl";
import { useMemo } from "react";

import { Field, SelectField } from "@/components/ui/Field";
import type { ApiError } from "@/lib/api/errors";
import { useFieldErrorText, type ErrorFeature } from "@/lib/i18n/errorText";

import {
  ADDRESS_MAX_LENGTHS,
  countryOptions,
  OPTIONAL_ADDRESS_FIELDS,
  type AddressField,
  type ShippingAddress,
} from "./address";

const AUTOCOMPLETE: Record<AddressField, string> = {
  recipient: "shipping name",
  phone: "shipping tel",
  line1: "shipping address-line1",
  line2: "shipping address-line2",
  city: "shipping address-level2",
  region: "shipping address-level1",
  postal_code: "shipping postal-code",
  country: "shipping country",
};

interface AddressFieldsProps {
  /** The API's name for the address, e.g. `shipping_address`: fields are `${prefix}.${field}`
   * in the form, and its 422 field errors are found under the same path. */
  prefix: string;
  initial: ShippingAddress | null | undefined;
  /** Whether the address must be filled in (the checkout); a profile's may stay empty. */
  required: boolean;
  error: ApiError | null;
  errorFeature: ErrorFeature;
}

/** The fields of a shipping address, uncontrolled: read back with `addressFromForm`. */
export function AddressFields({ prefix, initial, required, error, errorFeature }: AddressFieldsProps) {
  const t = useTranslations("shipping.fields");
  const locale = useLocale();
  const fieldError = useFieldErrorText(errorFeature);
  const countries = useMemo(() => countryOptions(locale), [locale]);

  function text(field: Exclude<AddressField, "country">, className = "") {
    const optional = OPTIONAL_ADDRESS_FIELDS.has(field);
    return (
      <Field
        key={field}
        label={optional ? t("optional", { label: t(field) }) : t(field)}
        name={`${prefix}.${field}`}
        type={field === "phone" ? "tel" : "text"}
        required={required && !optional}
        maxLength={ADDRESS_MAX_LENGTHS[field]}
        autoComplete={AUTOCOMPLETE[field]}
        defaultValue={initial?.[field] ?? ""}
        error={fieldError(error, `${prefix}.${field}`)}
        className={className}
      />
    );
  }

  return (
    <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
      {text("recipient")}
      {text("phone")}
      {text("line1", "sm:col-span-2")}
      {text("line2", "sm:col-span-2")}
      {text("city")}
      {text("region")}
      {text("postal_code")}
      <SelectField
        label={t("country")}
        name={`${prefix}.country`}
        required={required}
        autoComplete={AUTOCOMPLETE.country}
        defaultValue={initial?.country ?? ""}
        options={[{ value: "", label: t("chooseCountry") }, ...countries]}
        error={fieldError(error, `${prefix}.country`)}
      />
    </div>
  );
}
