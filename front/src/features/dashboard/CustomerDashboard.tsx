"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";

import { QueryView } from "@/components/ui/States";
import { OrderTable } from "@/features/orders/OrderTable";
import { useOrders } from "@/features/orders/queries";

const RECENT_ORDERS = 5;

export function CustomerDashboard() {
  const t = useTranslations("dashboard.recent");
  const orders = useOrders({
    status: null,
    userId: null,
    createdFrom: null,
    createdTo: null,
    offset: 0,
    limit: RECENT_ORDERS,
  });
  return (
    <section aria-labelledby="recent-orders-title" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="recent-orders-title" className="text-lg font-semibold text-slate-900">
          {t("title")}
        </h2>
        <div className="flex gap-4 text-sm">
          <Link href="/orders" className="text-blue-700 underline">
            {t("all")}
          </Link>
          <Link href="/products" className="text-blue-700 underline">
            {t("shop")}
          </Link>
        </div>
      </div>
      <QueryView query={orders} isEmpty={(page) => page.items.length === 0} empty={t("empty")}>
        {(page) => <OrderTable orders={page.items} showCustomer={false} caption={t("title")} />}
      </QueryView>
    </section>
  );
}
