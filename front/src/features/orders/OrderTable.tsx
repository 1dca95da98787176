"use client";

import { useLocale, useTranslations } from "next-intl";
import Link from "next/link";

import { formatDateTime } from "@/lib/dates";
import { formatMoney } from "@/lib/money";

import { CustomerName } from "./CustomerName";
import { OrderStatusBadge } from "./OrderStatusBadge";
import type { Order } from "./queries";

const CELL = "px-3 py-2 align-middle";

interface OrderTableProps {
  orders: readonly Order[];
  showCustomer: boolean;
  caption: string;
}

function itemCount(order: Order): number {
  return order.items.reduce((sum, item) => sum + item.quantity, 0);
}

/** On a phone, one card per order; the same facts as a table row. */
function OrderCards({ orders, showCustomer, caption }: OrderTableProps) {
  const t = useTranslations("orders");
  const locale = useLocale();
  return (
    <ul aria-label={caption} className="flex flex-col gap-2 md:hidden">
      {orders.map((order) => (
        <li key={order.id} className="rounded-lg border border-slate-200 bg-white p-3 text-sm">
          <div className="flex items-center justify-between gap-2">
            <Link href={`/orders/${order.id}`} className="font-mono font-medium text-blue-700 underline underline-offset-2">
              {order.order_number}
            </Link>
            <OrderStatusBadge status={order.status} />
          </div>
          <p className="mt-1 text-slate-600">
            {formatDateTime(order.created_at, locale)}
            {showCustomer && (
              <>
                {" · "}
                <CustomerName userId={order.user_id} />
              </>
            )}
          </p>
          <p className="mt-1 flex justify-between text-slate-900">
            <span>{t("itemCount", { count: itemCount(order) })}</span>
            <span className="font-semibold tabular-nums">{formatMoney(order.total_amount, locale)}</span>
          </p>
        </li>
      ))}
    </ul>
  );
}

/** Orders as a table, as cards on a phone; the number links to the detail. */
export function OrderTable(props: OrderTableProps) {
  return (
    <>
      <OrderCards {...props} />
      <OrderRows {...props} />
    </>
  );
}

function OrderRows({ orders, showCustomer, caption }: OrderTableProps) {
  const t = useTranslations("orders");
  const locale = useLocale();
  return (
    <div className="hidden overflow-x-auto rounded-lg border border-slate-200 bg-white md:block">
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
                <Link href={`/orders/${order.id}`} className="whitespace-nowrap font-mono text-blue-700 underline underline-offset-2">
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
                {t("itemCount", { count: itemCount(order) })}
              </td>
              <td className={`${CELL} text-right tabular-nums`}>{formatMoney(order.total_amount, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
