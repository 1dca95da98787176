"use client";

import { useTranslations } from "next-intl";

import { QueryView } from "@/components/ui/States";
import { OrderTable } from "@/features/orders/OrderTable";
import { useOrders } from "@/features/orders/queries";

import { DashboardPanel } from "./DashboardPanel";

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
    <DashboardPanel
      title={t("title")}
      links={[
        { href: "/orders", label: t("all") },
        { href: "/products", label: t("shop") },
      ]}
    >
      <QueryView query={orders} isEmpty={(page) => page.items.length === 0} empty={t("empty")}>
        {(page) => <OrderTable orders={page.items} showCustomer={false} caption={t("title")} />}
      </QueryView>
    </DashboardPanel>
  );
}
