"use client";

import { useLocale, useTranslations } from "next-intl";

import { AccountFields, accountDetailsOf } from "@/components/auth/AccountFields";
import { ErrorAlert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { useAuth } from "@/contexts/auth";
import { unwrap } from "@/lib/api/client";
import { useFieldErrorText, useFormErrorSummary } from "@/lib/i18n/errorText";
import { useFormSubmit } from "@/lib/useFormSubmit";

import { AuthCard } from "./AuthCard";
import { useReturnAfterSignIn } from "./useReturnAfterSignIn";

export function RegisterForm() {
  const t = useTranslations("auth");
  const { api, signIn } = useAuth();
  const next = useReturnAfterSignIn();
  const locale = useLocale();
  const errorSummary = useFormErrorSummary("auth");
  const fieldError = useFieldErrorText("auth");
  // Registered, then signed in with the same credentials: one step for the visitor.
  const { onSubmit, pending, error } = useFormSubmit(async (form) => {
    // The account starts in the language the visitor registers in: its mails are written in it.
    const body = { ...accountDetailsOf(form), locale };
    await unwrap(api.POST("/api/auth/register", { body }));
    await signIn(body.username, body.password);
  });

  return (
    <AuthCard
      title={t("register.title")}
      switchPrompt={t("register.haveAccount")}
      switchLabel={t("register.signInLink")}
      switchHref={`/login?next=${encodeURIComponent(next)}`}
    >
      <ErrorAlert>{errorSummary(error)}</ErrorAlert>
      {/* POST, so a submit before hydration never puts the password in the address. */}
      {error?.code !== "registration_disabled" && (
        <form method="post" onSubmit={onSubmit} className="mt-2 flex flex-col gap-4">
          <AccountFields ownAccount fieldError={(field) => fieldError(error, field)} />
          <Button type="submit" disabled={pending}>
            {pending ? t("register.submitting") : t("register.submit")}
          </Button>
        </form>
      )}
    </AuthCard>
  );
}
