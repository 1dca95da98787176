import { getTranslations } from "next-intl/server";
import Link from "next/link";

export default async function NotFound() {
  const t = await getTranslations("common");
  return (
    <section className="flex flex-col items-start gap-3 py-8">
      <h1 className="text-2xl font-semibold">{t("notFound.title")}</h1>
      <p className="text-slate-700">{t("notFound.body")}</p>
      <Link href="/products" className="text-blue-700 underline">
        {t("guard.backHome")}
      </Link>
    </section>
  );
}
