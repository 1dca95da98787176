"use client";

import { useTranslations } from "next-intl";

import { Button } from "@/components/ui/Button";

/** What a screen that failed to render shows instead, in the visitor's language, with a retry. */
export function CrashScreen({ onRetry }: { onRetry(): void }) {
  const t = useTranslations("common");
  return (
    <section className="flex flex-col items-start gap-3 py-8">
      <h1 className="text-2xl font-semibold">{t("crash.title")}</h1>
      <p className="text-slate-700">{t("crash.body")}</p>
      <Button onClick={onRetry}>{t("states.retry")}</Button>
    </section>
  );
}
