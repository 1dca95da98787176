"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";

import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import type { OrderStatus } from "@/lib/api/enums";
import { ApiError, asApiError, type ApiErrorCode } from "@/lib/api/errors";
import { useApiErrorText } from "@/lib/i18n/errorText";
import { NO_SHIPMENT, shipmentBody, ShipmentFields, type Shipment } from "@/features/shipping/ShipmentFields";

import { useChangeOrderStatuses, type Order, type OrderChangeResult } from "./queries";

interface BulkStatusDialogProps {
  orders: readonly Order[];
  status: OrderStatus;
  onClose(): void;
  onDone(): void;
}

/** Asks before moving the selected orders, then shows what became of each one. */
export function BulkStatusDialog({ orders, status, onClose, onDone }: BulkStatusDialogProps) {
  const t = useTranslations("orders.bulk");
  const tOrders = useTranslations("orders");
  const change = useChangeOrderStatuses();
  const [shipment, setShipment] = useState<Shipment>(NO_SHIPMENT);
  const errorText = useApiErrorText("orders");
  const statusLabel = tOrders(`statuses.${status}`);
  const results = change.data;

  function resultText(result: OrderChangeResult): string {
    if (result.ok) {
      return t("moved", { status: statusLabel });
    }
    // The same error, and so the same words, as changing this one order alone.
    return errorText(new ApiError({ status: 0, code: result.code as ApiErrorCode, message: result.detail }));
  }

  if (results) {
    const numbers = new Map(orders.map((order) => [order.id, order.order_number]));
    return (
      <ConfirmDialog
        title={t("resultsTitle", { moved: results.filter((result) => result.ok).length, count: results.length })}
        confirmLabel={t("close")}
        dismissLabel={t("close")}
        onConfirm={onDone}
        onClose={onDone}
      >
        <ul className="flex flex-col gap-1" aria-label={t("resultsLabel")}>
          {results.map((result) => (
            <li key={result.id} className={result.ok ? "text-green-800" : "text-red-800"}>
              <span className="font-mono">{numbers.get(result.id) ?? `#${result.id}`}</span>: {resultText(result)}
            </li>
          ))}
        </ul>
      </ConfirmDialog>
    );
  }
  return (
    <ConfirmDialog
      title={t("title", { count: orders.length, status: statusLabel })}
      confirmLabel={t("confirm", { count: orders.length, status: statusLabel })}
      dismissLabel={tOrders("confirm.back")}
      danger={status === "cancelled"}
      pending={change.isPending}
      error={change.error ? errorText(change.error) : null}
      onClose={onClose}
      onConfirm={() =>
        change.mutate({
          ids: orders.map((order) => order.id),
          status,
          ...(status === "shipped" ? shipmentBody(shipment) : {}),
        })
      }
    >
      <p>{t("body")}</p>
      <p className="mt-2 font-mono">{orders.map((order) => order.order_number).join(", ")}</p>
      {status === "shipped" && (
        <ShipmentFields
          value={shipment}
          onChange={setShipment}
          error={change.error ? asApiError(change.error) : null}
        />
      )}
    </ConfirmDialog>
  );
}
