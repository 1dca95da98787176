"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";

import { cellClass, DataTable, RecordCard, type Column } from "@/components/ui/DataTable";
import { useShopFormat } from "@/contexts/shop";

import { CustomerName } from "./CustomerName";
import { OrderStatusBadge } from "./OrderStatusBadge";
import type { Order } from "./queries";

/** Admins' choice of orders to move together. */
export interface OrderSelection {
  selected: ReadonlySet<number>;
  /** Every order of the page is selected. */
  all: boolean;
  toggle(id: number): void;
  toggleAll(): void;
}

interface OrderTableProps {
  orders: readonly Order[];
  showCustomer: boolean;
  caption: string;
  selection?: OrderSelection;
}

/** A checkbox named after the order it selects, so that a screen reader says which. */
function SelectOrder({ order, selection }: { order: Order; selection: OrderSelection }) {
  const t = useTranslations("orders.bulk");
  return (
    <input
      type="checkbox"
      className="size-4"
      aria-label={t("select", { number: order.order_number })}
      checked={selection.selected.has(order.id)}
      onChange={() => selection.toggle(order.id)}
    />
  );
}

function itemCount(order: Order): number {
  return order.items.reduce((sum, item) => sum + item.quantity, 0);
}

/** On a phone, one card per order; the same facts as a table row. */
function OrderCard({ order, showCustomer, selection }: { order: Order; showCustomer: boolean; selection?: OrderSelection }) {
  const t = useTranslations("orders");
  const format = useShopFormat();
  return (
    <RecordCard>
      <div className="flex items-center justify-between gap-2">
        {selection && <SelectOrder order={order} selection={selection} />}
        <Link href={`/orders/${order.id}`} className="font-mono font-medium text-blue-700 underline underline-offset-2">
          {order.order_number}
        </Link>
        <OrderStatusBadge status={order.status} />
      </div>
      <p className="mt-1 text-slate-600">
        {format.dateTime(order.created_at)}
        {showCustomer && (
          <>
            {" · "}
            <CustomerName userId={order.user_id} />
          </>
        )}
      </p>
      <p className="mt-1 flex justify-between text-slate-900">
        <span>{t("itemCount", { count: itemCount(order) })}</span>
        <span className="font-semibold tabular-nums">{format.money(order.total_amount)}</span>
      </p>
    </RecordCard>
  );
}

/** Orders as a table, as cards on a phone; the number links to the detail. */
export function OrderTable({ orders, showCustomer, caption, selection }: OrderTableProps) {
  const t = useTranslations("orders");
  const format = useShopFormat();
  const columns: Column[] = [
    ...(selection ? [{ label: t("bulk.column"), labelHidden: true }] : []),
    { label: t("columns.number") },
    { label: t("columns.date") },
    ...(showCustomer ? [{ label: t("columns.customer") }] : []),
    { label: t("columns.status") },
    { label: t("columns.items"), numeric: true },
    { label: t("columns.total"), numeric: true },
  ];
  return (
    <DataTable
      caption={caption}
      columns={columns}
      minWidthRem={36}
      cards={orders.map((order) => (
        <OrderCard key={order.id} order={order} showCustomer={showCustomer} selection={selection} />
      ))}
    >
      {orders.map((order) => (
        <tr key={order.id} className="border-t border-slate-200">
          {selection && (
            <td className={cellClass()}>
              <SelectOrder order={order} selection={selection} />
            </td>
          )}
          <th scope="row" className={`${cellClass()} font-medium`}>
            <Link href={`/orders/${order.id}`} className="whitespace-nowrap font-mono text-blue-700 underline underline-offset-2">
              {order.order_number}
            </Link>
          </th>
          <td className={cellClass()}>{format.dateTime(order.created_at)}</td>
          {showCustomer && (
            <td className={cellClass()}>
              <CustomerName userId={order.user_id} />
            </td>
          )}
          <td className={cellClass()}>
            <OrderStatusBadge status={order.status} />
          </td>
          <td className={cellClass(true)}>{t("itemCount", { count: itemCount(order) })}</td>
          <td className={cellClass(true)}>{format.money(order.total_amount)}</td>
        </tr>
      ))}
    </DataTable>
  );
}
