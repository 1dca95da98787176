"use client";

import { useLocale, useTranslations } from "next-intl";
import Link from "next/link";

import { formatDateTime } from "@/lib/dates";
import { formatMoney } from "@/lib/money";

import { CustomerName } from "./CustomerName";
import { OrderStatusBadge } from "./OrderStatusBadge";
import type { Order } from "./queries";

const CELL = "px-3 py-2 align-middle";

/** Orders as a table that scrolls sideways on a phone; the number links to the detail. */
export function OrderTable({ orders, showCustomer, caption }: { orders: readonly Order[]; showCustomer: boolean; caption: string }) {
  const t = useTranslations("orders");
  const locale = useLocale();
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full min-w-[36rem] text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-100 text-slate-700">
          <tr>
            <th scope="col" className={CELL}>{t("columns.number")}</th>
            <th scope="col" className={CELL}>{t("columns.date")}</th>
            {showCustomer && <th scope="col" className={CELL}>{t("columns.customer")}</th>}
            <th scope="col" className={CELL}>{t("columns.status")}</th>
            <th scope="col" className={`${CELL} text-right`}>{t("columns.items")}</th>
            <th scope="col" className={`${CELL} text-right`}>{t("columns.total")}</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((order) => (
            <tr key={order.id} className="border-t border-slate-200">
              <th scope="row" className={`${CELL} font-medium`}>
                <Link href={`/orders/${order.id}`} className="font-mono text-blue-700 underline underline-offset-2">
                  {order.order_number}
                </Link>
              </th>
              <td className={CELL}>{formatDateTime(order.created_at, locale)}</td>
              {showCustomer && (
                <td className={CELL}>
                  <CustomerName userId={order.user_id} />
                </td>
              )}
              <td className={CELL}>
                <OrderStatusBadge status={order.status} />
              </td>
              <td className={`${CELL} text-right tabular-nums`}>
                {t("itemCount", { count: order.items.reduce((sum, item) => sum + item.quantity, 0) })}
              </td>
              <td className={`${CELL} text-right tabular-nums`}>{formatMoney(order.total_amount, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
