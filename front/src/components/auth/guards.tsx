"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef, type ReactNode } from "react";

import { ErrorState, LoadingState } from "@/components/ui/States";
import { useAuth } from "@/contexts/auth";
import { signInPath } from "@/lib/navigation";

/** Children for signed-in users; anyone else goes to sign-in, and back here afterwards. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const t = useTranslations("common.guard");
  const { status, userError, retryUser } = useAuth();
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams().toString();

  useEffect(() => {
    if (status === "signedOut") {
      // The fragment as well (a mail's `/profile#notifications`): only the browser knows it.
      const here = `${search ? `${pathname}?${search}` : pathname}${window.location.hash}`;
      router.replace(signInPath(here));
    }
  }, [status, router, pathname, search]);

  if (status === "signedIn") {
    return children;
  }
  if (userError) {
    return <ErrorState error={userError} onRetry={retryUser} />;
  }
  return <LoadingState label={status === "signedOut" ? t("redirecting") : undefined} />;
}

/** Children for admins; a signed-in user who isn't one is told so instead. */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const { isAdmin } = useAuth();
  return isAdmin ? children : <NotAllowed />;
}

function NotAllowed() {
  const t = useTranslations("common.guard");
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="flex flex-col items-start gap-4 py-8">
      <h1 ref={heading} tabIndex={-1} className="text-2xl font-semibold">
        {t("notAllowedTitle")}
      </h1>
      <p role="alert" className="text-slate-700">
        {t("notAllowed")}
      </p>
      <Link href="/products" className="text-blue-700 underline">
        {t("backHome")}
      </Link>
    </section>
  );
}
