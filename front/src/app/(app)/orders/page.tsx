import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";

import { OrdersScreen } from "@/features/orders/OrdersScreen";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("common.nav"))("orders") };
}

export default function OrdersPage() {
  return <OrdersScreen />;
}
