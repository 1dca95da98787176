"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { useSearchParams } from "next/navigation";

import { ErrorAlert, StatusMessage } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { Field } from "@/components/ui/Field";
import { useAuth } from "@/contexts/auth";
import { useShopConfig } from "@/contexts/shop";
import { formText } from "@/lib/forms";
import { useFieldErrorText, useFormErrorSummary } from "@/lib/i18n/errorText";
import { useFormSubmit } from "@/lib/useFormSubmit";

import { AuthCard } from "./AuthCard";
import { isSignInAfterReset } from "./passwordReset";
import { useReturnAfterSignIn } from "./useReturnAfterSignIn";

export function SignInForm() {
  const t = useTranslations("auth");
  const { signIn } = useAuth();
  const next = useReturnAfterSignIn();
  const afterReset = isSignInAfterReset(useSearchParams());
  // Offered only where the shop sends mail: elsewhere no link could ever come.
  const canReset = useShopConfig().data?.password_reset === true;
  const errorSummary = useFormErrorSummary("auth");
  const fieldError = useFieldErrorText("auth");
  const { onSubmit, pending, error } = useFormSubmit((form) =>
    signIn(formText(form, "username"), formText(form, "password")),
  );

  return (
    <AuthCard
      title={t("signIn.title")}
      switchPrompt={t("signIn.noAccount")}
      switchLabel={t("signIn.registerLink")}
      switchHref={`/register?next=${encodeURIComponent(next)}`}
    >
      {/* POST, so a submit before hydration never puts the password in the address. */}
      <form method="post" onSubmit={onSubmit} className="flex flex-col gap-4">
        {afterReset && <StatusMessage>{t("signIn.resetDone")}</StatusMessage>}
        <ErrorAlert>{errorSummary(error)}</ErrorAlert>
        <Field
          label={t("signIn.username")}
          name="username"
          autoComplete="username"
          required
          autoFocus
          error={fieldError(error, "username")}
        />
        <Field
          label={t("signIn.password")}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={fieldError(error, "password")}
        />
        {canReset && (
          <Link href="/forgot-password" className="self-start text-sm text-blue-700 underline">
            {t("signIn.forgotLink")}
          </Link>
        )}
        <Button type="submit" disabled={pending}>
          {pending ? t("signIn.submitting") : t("signIn.submit")}
        </Button>
      </form>
    </AuthCard>
  );
}
