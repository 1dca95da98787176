"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { SelectField } from "@/components/ui/Field";
import { ORDER_STATUSES, type OrderStatus } from "@/lib/api/enums";

import { BulkStatusDialog } from "./BulkStatusDialog";
import type { OrderSelection } from "./OrderTable";
import type { Order } from "./queries";

// Every status an order can be moved to: all but the one each order starts in.
const TARGETS = ORDER_STATUSES.filter((status) => status !== "pending");

interface BulkStatusBarProps {
  /** The selected orders of this page. */
  orders: readonly Order[];
  selection: OrderSelection;
  onDone(): void;
}

/** Admins move the selected orders to one status, after a confirmation. */
export function BulkStatusBar({ orders, selection, onDone }: BulkStatusBarProps) {
  const t = useTranslations("orders");
  const [status, setStatus] = useState<OrderStatus>("paid");
  const [confirming, setConfirming] = useState(false);

  return (
    <div className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3">
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" className="size-4" checked={selection.all} onChange={selection.toggleAll} />
        {t("bulk.selectAll")}
      </label>
      <p className="text-sm text-slate-700" aria-live="polite">
        {t("bulk.selected", { count: orders.length })}
      </p>
      <SelectField
        label={t("bulk.status")}
        value={status}
        onChange={(event) => setStatus(TARGETS.find((target) => target === event.target.value) ?? "paid")}
        options={TARGETS.map((target) => ({ value: target, label: t(`statuses.${target}`) }))}
      />
      <Button disabled={orders.length === 0} onClick={() => setConfirming(true)}>
        {t("bulk.apply")}
      </Button>
      {confirming && (
        <BulkStatusDialog
          orders={orders}
          status={status}
          onClose={() => setConfirming(false)}
          onDone={() => {
            setConfirming(false);
            onDone();
          }}
        />
      )}
    </div>
  );
}
