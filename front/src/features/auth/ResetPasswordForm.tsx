"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import type { FormEvent } from "react";

import { NewPasswordFields, useNewPasswordCheck } from "@/components/auth/NewPasswordFields";
import { ErrorAlert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { useAuth } from "@/contexts/auth";
import { formText } from "@/lib/forms";
import { useFieldErrorText, useFormErrorSummary } from "@/lib/i18n/errorText";
import { useFormSubmit } from "@/lib/useFormSubmit";

import { RecoveryCard } from "./AuthCard";
import { confirmPasswordReset, isDeadResetLink, resetTokenOf, SIGN_IN_AFTER_RESET } from "./passwordReset";

/** Why the link can't reset the password, and the way to a new one. */
function DeadLink({ reason }: { reason: string }) {
  const t = useTranslations("auth.reset");
  return (
    <div className="flex flex-col gap-4">
      <ErrorAlert>{reason}</ErrorAlert>
      <Link href="/forgot-password" className="text-blue-700 underline">
        {t("requestNew")}
      </Link>
    </div>
  );
}

function NewPasswordForm({ token }: { token: string }) {
  const t = useTranslations("auth.reset");
  const router = useRouter();
  const { api, status, signOut } = useAuth();
  const newPassword = useNewPasswordCheck();
  const errorSummary = useFormErrorSummary("auth");
  const fieldError = useFieldErrorText("auth");
  const { onSubmit, pending, error } = useFormSubmit(async (form) => {
    await confirmPasswordReset(api, token, formText(form, "new_password"));
    // The reset ended every session of the account; this tab's signs in afresh too.
    if (status === "signedIn") {
      await signOut().catch(() => undefined);
    }
    router.push(SIGN_IN_AFTER_RESET);
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    if (newPassword.confirmed(event.currentTarget) === null) {
      event.preventDefault();
      return;
    }
    onSubmit(event);
  }

  if (isDeadResetLink(error)) {
    return <DeadLink reason={errorSummary(error) ?? ""} />;
  }
  return (
    <form method="post" onSubmit={handleSubmit} className="flex flex-col gap-4">
      <p className="text-sm text-slate-700">{t("intro")}</p>
      <ErrorAlert>{errorSummary(error)}</ErrorAlert>
      <NewPasswordFields check={newPassword} error={fieldError(error, "new_password")} />
      <Button type="submit" disabled={pending}>
        {pending ? t("submitting") : t("submit")}
      </Button>
    </form>
  );
}

/** The page the reset mail links to: a new password for the token in its address. */
export function ResetPasswordForm() {
  const t = useTranslations("auth");
  const token = resetTokenOf(useSearchParams());
  return (
    <RecoveryCard title={t("reset.title")}>
      {token === null ? <DeadLink reason={t("reset.noToken")} /> : <NewPasswordForm token={token} />}
    </RecoveryCard>
  );
}
