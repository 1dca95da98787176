import { useTranslations } from "next-intl";
import Link from "next/link";
import type { ReactNode } from "react";

interface AuthCardProps {
  title: string;
  children: ReactNode;
  /** The way to the other form: "No account yet? Create one". */
  switchPrompt: string;
  switchLabel: string;
  switchHref: string;
}

export function AuthCard({ title, children, switchPrompt, switchLabel, switchHref }: AuthCardProps) {
  return (
    <section className="mx-auto mt-6 w-full max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
      <h1 className="mb-4 text-2xl font-semibold">{title}</h1>
      {children}
      <p className="mt-4 text-sm text-slate-700">
        {switchPrompt}{" "}
        <Link href={switchHref} className="text-blue-700 underline">
          {switchLabel}
        </Link>
      </p>
    </section>
  );
}

/** A card of the password's recovery, whose way out leads back to sign-in. */
export function RecoveryCard({ title, children }: { title: string; children: ReactNode }) {
  const t = useTranslations("auth.backToSignIn");
  return (
    <AuthCard title={title} switchPrompt={t("prompt")} switchLabel={t("link")} switchHref="/login">
      {children}
    </AuthCard>
  );
}
