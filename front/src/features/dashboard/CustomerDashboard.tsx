"use client";

import { useTranslations } from "next-intl";

import { Panel } from "@/components/ui/Panel";
import { QueryView } from "@/components/ui/States";
import { OrderTable } from "@/features/orders/OrderTable";
import { useOrders } from "@/features/orders/queries";

const RECENT_ORDERS = 5;

export function CustomerDashboard() {
  const t = useTranslations("dashboard.recent");
  const orders = useOrders({
    search: null,
    status: null,
    userId: null,
    createdFrom: null,
    createdTo: null,
    offset: 0,
    limit: RECENT_ORDERS,
  });
  return (
    <Panel
      title={t("title")}
      links={[
        { href: "/orders", label: t("all") },
        { href: "/products", label: t("shop") },
      ]}
    >
      <QueryView query={orders} isEmpty={(page) => page.items.length === 0} empty={t("empty")}>
        {(page) => <OrderTable orders={page.items} showCustomer={false} caption={t("title")} />}
      </QueryView>
    </Panel>
  );
}
