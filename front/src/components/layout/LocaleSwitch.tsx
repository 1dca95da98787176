"use client";

import { useLocale, useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useId, useTransition } from "react";

import { isLocale, LOCALE_COOKIE, LOCALES } from "@/i18n/config";

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

export function LocaleSwitch() {
  const t = useTranslations("common.locale");
  const locale = useLocale();
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const id = useId();

  function choose(next: string) {
    if (!isLocale(next)) {
      return;
    }
    // The server renders in the chosen language from now on; refresh re-renders this page.
    document.cookie = `${LOCALE_COOKIE}=${next}; path=/; max-age=${ONE_YEAR_SECONDS}; samesite=lax`;
    startTransition(() => router.refresh());
  }

  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="text-sm text-slate-200">
        {t("label")}
      </label>
      <select
        id={id}
        value={locale}
        disabled={pending}
        onChange={(event) => choose(event.target.value)}
        className="min-h-9 rounded-md border border-slate-500 bg-slate-800 px-2 text-sm text-white"
      >
        {LOCALES.map((option) => (
          <option key={option} value={option} lang={option}>
            {t(option)}
          </option>
        ))}
      </select>
    </div>
  );
}
