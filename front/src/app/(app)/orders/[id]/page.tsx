import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { notFound } from "next/navigation";

import { OrderDetailScreen } from "@/features/orders/OrderDetailScreen";

// Order ids are PostgreSQL integers: anything else can't be an order.
const MAX_ID = 2_147_483_647;

function orderId(raw: string): number | null {
  const id = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  return id >= 1 && id <= MAX_ID ? id : null;
}

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("common.nav"))("orders") };
}

export default async function OrderPage({ params }: { params: Promise<{ id: string }> }) {
  const id = orderId((await params).id);
  if (id === null) {
    notFound();
  }
  return <OrderDetailScreen orderId={id} />;
}
