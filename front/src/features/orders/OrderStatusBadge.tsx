"use client";

import { useTranslations } from "next-intl";

import type { OrderStatus } from "@/lib/api/enums";

// The colour only adds to the text; every status reads out by its name.
const STYLES: Record<OrderStatus, string> = {
  pending: "border-amber-300 bg-amber-50 text-amber-900",
  paid: "border-blue-300 bg-blue-50 text-blue-900",
  shipped: "border-indigo-300 bg-indigo-50 text-indigo-900",
  completed: "border-green-300 bg-green-50 text-green-900",
  cancelled: "border-slate-300 bg-slate-100 text-slate-700",
};

export function OrderStatusBadge({ status, testId }: { status: OrderStatus; testId?: string }) {
  const t = useTranslations("orders.statuses");
  return (
    <span
      data-testid={testId}
      data-status={status}
      className={`inline-flex items-center rounded-full border px-2.5 py-0.5 text-xs font-semibold ${STYLES[status]}`}
    >
      {t(status)}
    </span>
  );
}
