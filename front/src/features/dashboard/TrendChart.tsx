"use client";

import { useLocale, useTranslations } from "next-intl";
import { useId, useState } from "react";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { cellClass } from "@/components/ui/DataTable";
import { Button } from "@/components/ui/Button";
import { useShopFormat } from "@/contexts/shop";
import type { Schemas } from "@/lib/api/client";
import { formatBusinessDate } from "@/lib/dates";

type DailyStats = Schemas["DailyStats"];

const ORDERS_COLOUR = "#2563eb"; // Tailwind's blue-600, as the status bars
const REVENUE_COLOUR = "#047857"; // emerald-700: 4.5:1 on white, for the legend's text

/**
 * Orders (bars) and revenue (a line) per business day. The drawing is one image to assistive
 * technology, named with the period; its numbers are the table below it, which screen readers
 * always have and which a button shows to everyone.
 */
export function TrendChart({ stats }: { stats: DailyStats }) {
  const t = useTranslations("dashboard.trends");
  const locale = useLocale();
  const format = useShopFormat();
  const tableId = useId();
  const [tableShown, setTableShown] = useState(false);
  const count = new Intl.NumberFormat(locale);
  const dayLabel = (date: string) => formatBusinessDate(date, locale, { month: "numeric", day: "numeric" });
  const points = stats.days.map((day) => ({
    date: day.date,
    orders: day.orders,
    // Only the line's height comes from a float; the tooltip and the table show the exact amount.
    revenue: Number(day.revenue),
    revenueText: format.money(day.revenue),
  }));
  const period = t("period", {
    from: formatBusinessDate(stats.from, locale, { dateStyle: "medium" }),
    to: formatBusinessDate(stats.to, locale, { dateStyle: "medium" }),
  });

  return (
    <div className="flex flex-col gap-3">
      <figure className="flex flex-col gap-2">
        <div role="img" aria-label={t("chartLabel", { period })} className="h-72 w-full min-w-0">
          <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 320, height: 288 }}>
            <ComposedChart data={points} accessibilityLayer={false} margin={{ top: 8, right: 0, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="#e2e8f0" vertical={false} />
              <XAxis dataKey="date" tickFormatter={dayLabel} tick={{ fill: "#334155", fontSize: 12 }} minTickGap={12} />
              <YAxis yAxisId="orders" allowDecimals={false} width={36} tick={{ fill: "#334155", fontSize: 12 }} />
              <YAxis
                yAxisId="revenue"
                orientation="right"
                width={56}
                tick={{ fill: "#334155", fontSize: 12 }}
                tickFormatter={(value: number) => new Intl.NumberFormat(locale, { notation: "compact" }).format(value)}
              />
              <Tooltip
                labelFormatter={(date) => formatBusinessDate(String(date), locale, { dateStyle: "medium" })}
                formatter={(value, _name, item) =>
                  item.dataKey === "revenue"
                    ? (item.payload as (typeof points)[number]).revenueText
                    : count.format(Number(value))
                }
              />
              <Legend />
              <Bar yAxisId="orders" dataKey="orders" name={t("orders")} fill={ORDERS_COLOUR} isAnimationActive={false} />
              <Line
                yAxisId="revenue"
                dataKey="revenue"
                name={t("revenue")}
                stroke={REVENUE_COLOUR}
                strokeWidth={2}
                dot={false}
                isAnimationActive={false}
              />
            </ComposedChart>
          </ResponsiveContainer>
        </div>
        <figcaption className="text-sm text-slate-600">{period}</figcaption>
      </figure>
      <div>
        <Button variant="secondary" aria-controls={tableId} onClick={() => setTableShown(!tableShown)}>
          {tableShown ? t("hideTable") : t("showTable")}
        </Button>
      </div>
      <div id={tableId} className={tableShown ? "overflow-x-auto" : "sr-only"}>
        <table className="w-full text-left text-sm">
          <caption className="sr-only">{t("tableCaption", { period })}</caption>
          <thead className="bg-slate-100 text-slate-700">
            <tr>
              <th scope="col" className={cellClass()}>{t("date")}</th>
              <th scope="col" className={cellClass(true)}>{t("orders")}</th>
              <th scope="col" className={cellClass(true)}>{t("revenue")}</th>
            </tr>
          </thead>
          <tbody>
            {points.map((point) => (
              <tr key={point.date} className="border-t border-slate-200">
                <th scope="row" className={`${cellClass()} font-medium text-slate-900`}>
                  <time dateTime={point.date}>{formatBusinessDate(point.date, locale, { dateStyle: "medium" })}</time>
                </th>
                <td className={cellClass(true)}>{count.format(point.orders)}</td>
                <td className={cellClass(true)}>{point.revenueText}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
