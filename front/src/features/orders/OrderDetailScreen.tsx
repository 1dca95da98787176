"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { useState, type ReactNode } from "react";

import { PageHeading } from "@/components/layout/PageHeading";
import { StatusMessage } from "@/components/ui/Alert";
import { cellClass, DataTable, type Column } from "@/components/ui/DataTable";
import { Panel } from "@/components/ui/Panel";
import { QueryView } from "@/components/ui/States";
import { useAuth } from "@/contexts/auth";
import { useShopFormat } from "@/contexts/shop";
import { AddressView } from "@/features/shipping/AddressView";

import { CustomerName } from "./CustomerName";
import { OrderActions } from "./OrderActions";
import { OrderHistory } from "./OrderHistory";
import { OrderStatusBadge } from "./OrderStatusBadge";
import { useOrder, type Order } from "./queries";

function Term({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-0.5">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="text-sm text-slate-900">{children}</dd>
    </div>
  );
}

function ItemsTable({ order }: { order: Order }) {
  const t = useTranslations("orders.detail");
  const format = useShopFormat();
  const columns: Column[] = [
    { label: t("product") },
    { label: t("sku") },
    { label: t("unitPrice"), numeric: true },
    { label: t("quantity"), numeric: true },
    { label: t("lineTotal"), numeric: true },
  ];
  return (
    <DataTable
      caption={t("items")}
      columns={columns}
      minWidthRem={32}
      bare
      footer={
        <tr className="border-t-2 border-slate-300">
          <th scope="row" colSpan={4} className={`${cellClass()} text-right`}>{t("total")}</th>
          <td className={`${cellClass(true)} font-semibold`}>{format.money(order.total_amount)}</td>
        </tr>
      }
    >
      {order.items.map((item) => (
        <tr key={item.product_id} className="border-t border-slate-200">
          <th scope="row" className={`${cellClass()} font-medium`}>{item.product_name}</th>
          <td className={`${cellClass()} font-mono text-xs`}>{item.sku}</td>
          <td className={cellClass(true)}>{format.money(item.unit_price)}</td>
          <td className={cellClass(true)}>{item.quantity}</td>
          <td className={cellClass(true)}>{format.money(item.line_total)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

/** Where the order goes and, once shipped, how to follow it. */
function ShippingTerms({ order }: { order: Order }) {
  const t = useTranslations("shipping.order");
  return (
    <>
      <Term label={t("address")}>
        {order.shipping_address ? <AddressView address={order.shipping_address} /> : t("noAddress")}
      </Term>
      {order.carrier && <Term label={t("carrier")}>{order.carrier}</Term>}
      {order.tracking_number && (
        <Term label={t("trackingNumber")}>
          <span className="font-mono" data-testid="tracking-number">
            {order.tracking_number}
          </span>
        </Term>
      )}
    </>
  );
}

function OrderDetail({ order }: { order: Order }) {
  const t = useTranslations("orders.detail");
  const format = useShopFormat();
  const { isAdmin } = useAuth();
  const [notice, setNotice] = useState("");
  return (
    <section className="flex flex-col gap-4">
      <Link href="/orders" className="self-start text-sm text-blue-700 underline">
        {t("back")}
      </Link>
      <PageHeading actions={<OrderStatusBadge status={order.status} testId="order-status" />}>
        {t("title", { number: order.order_number })}
      </PageHeading>
      <StatusMessage>{notice}</StatusMessage>
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <div className="flex min-w-0 flex-col gap-4 lg:col-span-2">
          <Panel title={t("items")}>
            <ItemsTable order={order} />
          </Panel>
          <Panel title={t("history")}>
            <OrderHistory orderId={order.id} />
          </Panel>
        </div>
        {/* On a phone the summary and the actions come first. */}
        <div className="order-first flex min-w-0 flex-col gap-4 lg:order-none">
          <Panel title={t("summary")}>
            <dl className="flex flex-col gap-3">
              <Term label={t("placed")}>{format.dateTime(order.created_at)}</Term>
              <Term label={t("updated")}>{format.dateTime(order.updated_at)}</Term>
              {isAdmin && (
                <Term label={t("customer")}>
                  <CustomerName userId={order.user_id} />
                </Term>
              )}
              <Term label={t("total")}>{format.money(order.total_amount)}</Term>
              {order.note && <Term label={t("note")}>{order.note}</Term>}
              <ShippingTerms order={order} />
            </dl>
          </Panel>
          <Panel title={t("actions")}>
            <OrderActions order={order} onDone={setNotice} />
          </Panel>
        </div>
      </div>
    </section>
  );
}

export function OrderDetailScreen({ orderId }: { orderId: number }) {
  return <QueryView query={useOrder(orderId)}>{(order) => <OrderDetail order={order} />}</QueryView>;
}
