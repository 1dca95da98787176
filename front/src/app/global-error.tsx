"use client";

import { NextIntlClientProvider } from "next-intl";
import { useSyncExternalStore } from "react";

import { CrashScreen } from "@/components/layout/CrashScreen";
import { DEFAULT_LOCALE, localeInBrowser } from "@/i18n/config";
import { MESSAGES } from "@/i18n/messages";

import "./globals.css";

const noChanges = () => () => {};

/**
 * The root layout itself failed, so none of its providers exist: the language comes from what
 * the server reads (the locale cookie, else the browser's languages) and the messages are
 * provided here.
 */
export default function GlobalError({ retry }: { error: unknown; retry: () => void }) {
  const locale = useSyncExternalStore(
    noChanges,
    () => localeInBrowser(document.cookie, navigator.languages),
    () => DEFAULT_LOCALE,
  );
  return (
    <html lang={locale}>
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        <NextIntlClientProvider locale={locale} messages={MESSAGES[locale]}>
          <main className="mx-auto max-w-6xl px-4 py-6">
            <CrashScreen onRetry={retry} />
          </main>
        </NextIntlClientProvider>
      </body>
    </html>
  );
}
