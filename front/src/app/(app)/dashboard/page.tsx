import { getTranslations } from "next-intl/server";

import { Placeholder } from "@/components/layout/Placeholder";

// Placeholder until the dashboard screen is built.
export default async function Page() {
  const t = await getTranslations("common.nav");
  return <Placeholder title={t("dashboard")} />;
}
