"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";

import type { OrderStatus } from "@/lib/api/enums";

import { barPercents } from "./bars";

interface StatusChartProps {
  title: string;
  valueLabel: string;
  rows: readonly { status: OrderStatus; value: number; text: string }[];
}

/**
 * A bar chart that is a table: the numbers are its text, read out by screen readers and
 * copyable; the bars only draw them (hidden from assistive technology).
 */
export function StatusChart({ title, valueLabel, rows }: StatusChartProps) {
  const t = useTranslations();
  const percents = barPercents(rows.map((row) => row.value));
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4">
      <table className="w-full text-left text-sm">
        <caption className="mb-3 text-left text-lg font-semibold text-slate-900">{title}</caption>
        <thead className="sr-only">
          <tr>
            <th scope="col">{t("dashboard.charts.status")}</th>
            <th scope="col">{valueLabel}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={row.status}>
              <th scope="row" className="w-28 py-1.5 pr-3 font-medium text-slate-700">
                <Link href={`/orders?status=${row.status}`} className="underline-offset-2 hover:underline">
                  {t(`orders.statuses.${row.status}`)}
                </Link>
              </th>
              <td className="py-1.5">
                <div className="flex items-center gap-3">
                  <div aria-hidden className="h-4 flex-1 rounded bg-slate-100">
                    <div className="h-4 rounded bg-blue-600" style={{ width: `${percents[index]}%` }} />
                  </div>
                  <span className="w-24 text-right tabular-nums text-slate-900">{row.text}</span>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
