"use client";

import { useLocale, useTranslations } from "next-intl";

import { cellClass, DataTable, type Column } from "@/components/ui/DataTable";
import { useShopFormat } from "@/contexts/shop";
import type { Schemas } from "@/lib/api/client";

type ProductSales = Schemas["ProductSales"];

function SalesTable({ caption, sales }: { caption: string; sales: readonly ProductSales[] }) {
  const t = useTranslations("dashboard.topProducts");
  const locale = useLocale();
  const format = useShopFormat();
  const count = new Intl.NumberFormat(locale);
  const columns: Column[] = [
    { label: t("name") },
    { label: t("quantity"), numeric: true },
    { label: t("revenue"), numeric: true },
  ];
  return (
    <div className="flex min-w-0 flex-col gap-2">
      <h3 className="font-semibold text-slate-900">{caption}</h3>
      <DataTable caption={caption} columns={columns} minWidthRem={16}>
        {sales.map((product) => (
          <tr key={product.product_id} className="border-t border-slate-200">
            <th scope="row" className={`${cellClass()} font-medium text-slate-900`}>
              {product.name}
              <span className="block font-mono text-xs font-normal text-slate-600">{product.sku}</span>
            </th>
            <td className={cellClass(true)}>{count.format(product.quantity)}</td>
            <td className={cellClass(true)}>{format.money(product.revenue)}</td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}

/** The period's best sellers, ranked twice: by units sold and by what they brought in. */
export function TopProducts({ top }: { top: Schemas["TopProducts"] }) {
  const t = useTranslations("dashboard.topProducts");
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <SalesTable caption={t("byQuantity")} sales={top.by_quantity} />
      <SalesTable caption={t("byRevenue")} sales={top.by_revenue} />
    </div>
  );
}
