"use client";

import { useTranslations } from "next-intl";

import { Field } from "@/components/ui/Field";
import type { ApiError } from "@/lib/api/errors";
import { useFieldErrorText } from "@/lib/i18n/errorText";

/** The API's limit on both. */
const SHIPMENT_FIELD_LENGTH = 64;

export interface Shipment {
  carrier: string;
  trackingNumber: string;
}

export const NO_SHIPMENT: Shipment = { carrier: "", trackingNumber: "" };

/** The body fields of a change to `shipped`: trimmed, a blank one left out. */
export function shipmentBody({ carrier, trackingNumber }: Shipment): {
  carrier?: string;
  tracking_number?: string;
} {
  return {
    ...(carrier.trim() && { carrier: carrier.trim() }),
    ...(trackingNumber.trim() && { tracking_number: trackingNumber.trim() }),
  };
}

interface ShipmentFieldsProps {
  value: Shipment;
  onChange(value: Shipment): void;
  error: ApiError | null;
}

/** The optional carrier and tracking number of a shipment, asked when marking orders shipped. */
export function ShipmentFields({ value, onChange, error }: ShipmentFieldsProps) {
  const t = useTranslations("shipping.shipment");
  const fieldError = useFieldErrorText("orders");
  return (
    <div className="mt-3 grid grid-cols-1 gap-3 sm:grid-cols-2">
      <Field
        label={t("carrier")}
        maxLength={SHIPMENT_FIELD_LENGTH}
        value={value.carrier}
        onChange={(event) => onChange({ ...value, carrier: event.target.value })}
        error={fieldError(error, "carrier")}
      />
      <Field
        label={t("trackingNumber")}
        maxLength={SHIPMENT_FIELD_LENGTH}
        value={value.trackingNumber}
        onChange={(event) => onChange({ ...value, trackingNumber: event.target.value })}
        error={fieldError(error, "tracking_number")}
      />
    </div>
  );
}
