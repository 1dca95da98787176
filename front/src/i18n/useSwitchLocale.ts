"use client";

import { useRouter } from "next/navigation";
import { useCallback, useTransition } from "react";

import { localeCookie, type Locale } from "./config";

/** Switches the interface's language on this browser: the cookie, then a re-render of this page. */
export function useSwitchLocale(): { pending: boolean; switchTo(locale: Locale): void } {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const switchTo = useCallback(
    (locale: Locale) => {
      document.cookie = localeCookie(locale);
      startTransition(() => router.refresh());
    },
    [router],
  );
  return { pending, switchTo };
}
