import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";

import { ProductsScreen } from "@/features/products/ProductsScreen";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("products"))("title") };
}

export default function ProductsPage() {
  return <ProductsScreen />;
}
