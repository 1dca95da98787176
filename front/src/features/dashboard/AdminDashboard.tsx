"use client";

import { useLocale, useTranslations } from "next-intl";
import type { ReactNode } from "react";

import { cellClass, DataTable, type Column } from "@/components/ui/DataTable";
import { Panel } from "@/components/ui/Panel";
import { QueryView } from "@/components/ui/States";
import { useShopFormat } from "@/contexts/shop";
import type { Schemas } from "@/lib/api/client";

import { LOW_STOCK_THRESHOLD, useLowStockProducts, useStats } from "./queries";
import { StatusChart } from "./StatusChart";
import { Trends } from "./Trends";

type Stats = Schemas["Stats"];
type ProductPage = Schemas["Page_ProductPublic_"];

function Figure({ label, value, hint }: { label: string; value: ReactNode; hint?: string }) {
  return (
    <div className="flex flex-col gap-1 rounded-lg border border-slate-200 bg-white p-4">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className="text-xl font-semibold tabular-nums text-slate-900 sm:text-2xl">{value}</dd>
      {hint && <dd className="text-xs text-slate-500">{hint}</dd>}
    </div>
  );
}

function Figures({ stats }: { stats: Stats }) {
  const t = useTranslations("dashboard.figures");
  const locale = useLocale();
  const format = useShopFormat();
  const count = new Intl.NumberFormat(locale);
  return (
    <dl aria-label={t("label")} className="grid grid-cols-2 gap-3 md:grid-cols-5">
      <Figure label={t("revenue")} value={format.money(stats.revenue)} hint={t("revenueHint")} />
      <Figure label={t("orders")} value={count.format(stats.orders)} />
      <Figure label={t("products")} value={count.format(stats.products)} />
      <Figure label={t("lowStock")} value={count.format(stats.low_stock_products)} />
      <Figure label={t("users")} value={count.format(stats.users)} />
    </dl>
  );
}

function LowStockTable({ page }: { page: ProductPage }) {
  const t = useTranslations("dashboard.lowStock");
  const more = Math.max(0, page.total - page.items.length);
  const columns: Column[] = [
    { label: t("name") },
    { label: t("sku"), className: "hidden sm:table-cell" },
    { label: t("stock"), numeric: true },
  ];
  return (
    <>
      <DataTable caption={t("title")} columns={columns} minWidthRem={16} bare>
        {page.items.map((product) => (
          <tr key={product.id} className="border-t border-slate-200">
            <th scope="row" className={`${cellClass()} font-medium text-slate-900`}>{product.name}</th>
            <td className={`${cellClass()} hidden font-mono text-xs sm:table-cell`}>{product.sku}</td>
            <td className={cellClass(true)}>{product.stock_quantity}</td>
          </tr>
        ))}
      </DataTable>
      {more > 0 && (
        <p className="mt-2 text-sm text-slate-600">{t(page.total_capped ? "moreCapped" : "more", { count: more })}</p>
      )}
    </>
  );
}

function LowStock() {
  const t = useTranslations("dashboard.lowStock");
  return (
    <Panel title={t("title")} links={[{ href: "/products", label: t("manage") }]}>
      <p className="text-sm text-slate-600">{t("hint", { threshold: LOW_STOCK_THRESHOLD })}</p>
      <QueryView
        query={useLowStockProducts()}
        isEmpty={(page) => page.items.length === 0}
        empty={t("empty", { threshold: LOW_STOCK_THRESHOLD })}
      >
        {(page) => <LowStockTable page={page} />}
      </QueryView>
    </Panel>
  );
}

export function AdminDashboard() {
  return <QueryView query={useStats()}>{(stats) => <StoreOverview stats={stats} />}</QueryView>;
}

function StoreOverview({ stats }: { stats: Stats }) {
  const t = useTranslations("dashboard.charts");
  const locale = useLocale();
  const format = useShopFormat();
  const byStatus = stats.orders_by_status;
  return (
    <div className="flex flex-col gap-4">
      <Figures stats={stats} />
      <Trends />
      <div className="grid gap-4 lg:grid-cols-2">
        <StatusChart
          title={t("ordersByStatus")}
          valueLabel={t("count")}
          rows={byStatus.map((total) => ({
            status: total.status,
            value: total.count,
            text: new Intl.NumberFormat(locale).format(total.count),
          }))}
        />
        <StatusChart
          title={t("valueByStatus")}
          valueLabel={t("amount")}
          rows={byStatus.map((total) => ({
            status: total.status,
            // Only the bar's length comes from a float; the text is the exact amount.
            value: Number(total.total_amount),
            text: format.money(total.total_amount),
          }))}
        />
      </div>
      <LowStock />
    </div>
  );
}
