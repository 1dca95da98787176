"use client";

import { useTranslations } from "next-intl";
import { useEffect, useRef, useState } from "react";

import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import type { OrderStatus } from "@/lib/api/enums";
import { asApiError } from "@/lib/api/errors";
import { useApiErrorText } from "@/lib/i18n/errorText";
import { NO_SHIPMENT, shipmentBody, ShipmentFields, type Shipment } from "@/features/shipping/ShipmentFields";

import { useCancelOrder, useChangeOrderStatus, type Order } from "./queries";

/** A status an order moves forward to: nothing leads back to pending, cancelling is apart. */
type ForwardStatus = Exclude<OrderStatus, "pending" | "cancelled">;

function isForward(status: OrderStatus): status is ForwardStatus {
  return status !== "pending" && status !== "cancelled";
}

/** An action waiting for confirmation: a next status, or cancelling. */
type Asked = { kind: "status"; status: ForwardStatus } | { kind: "cancel" } | null;

interface OrderActionsProps {
  order: Order;
  onDone(message: string): void;
}

/** The status changes the API allows the viewer on this order, each confirmed first. */
export function OrderActions({ order, onDone }: OrderActionsProps) {
  const t = useTranslations("orders");
  const errorText = useApiErrorText("orders");
  const [asked, setAsked] = useState<Asked>(null);
  const [shipment, setShipment] = useState<Shipment>(NO_SHIPMENT);
  const changeStatus = useChangeOrderStatus(order.id);
  const cancel = useCancelOrder(order.id);
  // The button that opened the dialog is gone once its step is done: focus stays here instead
  // of falling back to the page's start.
  const panel = useRef<HTMLDivElement>(null);
  const [actionsDone, setActionsDone] = useState(0);
  useEffect(() => {
    if (actionsDone > 0) {
      panel.current?.focus();
    }
  }, [actionsDone]);

  const nextStatuses = order.allowed_transitions.filter(isForward);
  const cancellable = order.allowed_transitions.includes("cancelled");
  const mutation = asked?.kind === "cancel" ? cancel : changeStatus;

  function close() {
    changeStatus.reset();
    cancel.reset();
    setAsked(null);
    setShipment(NO_SHIPMENT);
  }

  async function confirm() {
    if (!asked) {
      return;
    }
    try {
      if (asked.kind === "cancel") {
        await cancel.mutateAsync();
        onDone(t("done.cancelled", { number: order.order_number }));
      } else {
        const details = asked.status === "shipped" ? shipmentBody(shipment) : {};
        const changed = await changeStatus.mutateAsync({ status: asked.status, ...details });
        onDone(t("done.statusChanged", { number: order.order_number, status: t(`statuses.${changed.status}`) }));
      }
      close();
      setActionsDone((count) => count + 1);
    } catch {
      // Shown in the dialog, from the mutation's error.
    }
  }

  function confirmation(action: NonNullable<Asked>) {
    if (action.kind === "cancel") {
      return {
        title: t("confirm.cancelTitle", { number: order.order_number }),
        children: t("confirm.cancelBody"),
        confirmLabel: t("confirm.cancelConfirm"),
        danger: true,
      };
    }
    const status = t(`statuses.${action.status}`);
    return {
      title: t("confirm.statusTitle", { number: order.order_number, status }),
      children: (
        <>
          {t("confirm.statusBody")}
          {action.status === "shipped" && (
            <ShipmentFields
              value={shipment}
              onChange={setShipment}
              error={changeStatus.error ? asApiError(changeStatus.error) : null}
            />
          )}
        </>
      ),
      confirmLabel: t("confirm.statusConfirm", { status }),
    };
  }

  if (nextStatuses.length === 0 && !cancellable) {
    return (
      <div ref={panel} tabIndex={-1}>
        <p className="text-sm text-slate-600">{t("detail.noActions")}</p>
      </div>
    );
  }
  return (
    <>
      <div ref={panel} tabIndex={-1} className="flex flex-wrap gap-2">
        {nextStatuses.map((status) => (
          <Button key={status} onClick={() => setAsked({ kind: "status", status })}>
            {t(`actions.${status}`)}
          </Button>
        ))}
        {cancellable && (
          <Button variant="danger" onClick={() => setAsked({ kind: "cancel" })}>
            {t("actions.cancel")}
          </Button>
        )}
      </div>
      {asked && (
        <ConfirmDialog
          {...confirmation(asked)}
          dismissLabel={t("confirm.back")}
          pending={mutation.isPending}
          error={mutation.error ? errorText(mutation.error) : null}
          onConfirm={confirm}
          onClose={close}
        />
      )}
    </>
  );
}
