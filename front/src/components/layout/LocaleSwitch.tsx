"use client";

import { useLocale, useTranslations } from "next-intl";
import { useId } from "react";

import { useAuth, useUpdateProfile } from "@/contexts/auth";
import { isLocale, LOCALES } from "@/i18n/config";
import { useSwitchLocale } from "@/i18n/useSwitchLocale";

export function LocaleSwitch() {
  const t = useTranslations("common.locale");
  const locale = useLocale();
  const { status } = useAuth();
  const saveLocale = useUpdateProfile();
  const { pending, switchTo } = useSwitchLocale();
  const id = useId();

  function choose(next: string) {
    if (!isLocale(next)) {
      return;
    }
    switchTo(next);
    // The account keeps the choice: its mails are written in it, and it returns at sign-in on
    // any device. Should saving fail, this browser still switches; the next choice saves again.
    if (status === "signedIn") {
      saveLocale.mutate({ locale: next });
    }
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
