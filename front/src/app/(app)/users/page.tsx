import { getTranslations } from "next-intl/server";

import { RequireAdmin } from "@/components/auth/guards";
import { Placeholder } from "@/components/layout/Placeholder";

// Placeholder until the users screen is built; the admin guard is already the real one.
export default async function Page() {
  const t = await getTranslations("common.nav");
  return (
    <RequireAdmin>
      <Placeholder title={t("users")} />
    </RequireAdmin>
  );
}
