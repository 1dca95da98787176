"use client";

import { useLocale } from "next-intl";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect } from "react";

import { useAuth } from "@/contexts/auth";
import { localeCookie } from "@/i18n/config";
import { useSwitchLocale } from "@/i18n/useSwitchLocale";
import { safeNextPath } from "@/lib/navigation";

/**
 * Once signed in, go where the visitor was heading (`?next=`), else to the products; in the
 * account's language, if it differs from this browser's: the account's was chosen while signed
 * in, and its mails are written in it, so the interface follows it rather than the other way.
 */
export function useReturnAfterSignIn(): string {
  const { status, user } = useAuth();
  const router = useRouter();
  const locale = useLocale();
  const { switchTo } = useSwitchLocale();
  const next = safeNextPath(useSearchParams().get("next"));
  const accountLocale = user?.locale;
  useEffect(() => {
    if (status !== "signedIn") {
      return;
    }
    const otherLocale = accountLocale && accountLocale !== locale ? accountLocale : null;
    if (next.includes("#")) {
      // A fragment (a mail's `/profile#notifications`) comes from a page first loaded with it,
      // and Next's router would append it to that one (vercel/next.js#96714): load it afresh.
      if (otherLocale) {
        document.cookie = localeCookie(otherLocale);
      }
      window.location.replace(next);
      return;
    }
    router.replace(next);
    // Queued after the navigation by the router, which then renders the page in the language.
    if (otherLocale) {
      switchTo(otherLocale);
    }
  }, [status, next, router, accountLocale, locale, switchTo]);
  return next;
}
