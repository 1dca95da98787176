import { getTranslations } from "next-intl/server";

import { Placeholder } from "@/components/layout/Placeholder";

// Placeholder until the order detail screen is built; checkout lands here.
export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const t = await getTranslations("common.nav");
  return <Placeholder title={`${t("orders")} #${id}`} />;
}
