import { getTranslations } from "next-intl/server";

import { PageHeading } from "./PageHeading";

/** A screen still to be built (dashboard, orders, users, profile): named, so links work. */
export async function Placeholder({ title }: { title: string }) {
  const t = await getTranslations("common.placeholder");
  return (
    <section>
      <PageHeading>{title}</PageHeading>
      <p className="text-slate-700">{t("body")}</p>
    </section>
  );
}
