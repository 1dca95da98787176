"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";

import { ErrorAlert, StatusMessage } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { Field } from "@/components/ui/Field";
import { useAuth } from "@/contexts/auth";
import { useShopConfig } from "@/contexts/shop";
import { formText } from "@/lib/forms";
import { useFieldErrorText, useFormErrorSummary } from "@/lib/i18n/errorText";
import { useFormSubmit } from "@/lib/useFormSubmit";

import { RecoveryCard } from "./AuthCard";
import { requestPasswordReset } from "./passwordReset";

/** Asks for a reset mail; the answer never tells whether an account has the address. */
export function ForgotPasswordForm() {
  const t = useTranslations("auth");
  const tAccount = useTranslations("common.account");
  const { api } = useAuth();
  const config = useShopConfig();
  const errorSummary = useFormErrorSummary("auth");
  const fieldError = useFieldErrorText("auth");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const { onSubmit, pending, error } = useFormSubmit(async (form) => {
    const email = formText(form, "email").trim();
    await requestPasswordReset(api, email);
    setSentTo(email);
  });

  return (
    <RecoveryCard title={t("forgot.title")}>
      <StatusMessage>{sentTo !== null && t("forgot.sent", { email: sentTo })}</StatusMessage>
      {config.data?.password_reset === false && <p className="text-sm text-slate-700">{t("forgot.unavailable")}</p>}
      {sentTo === null && config.data?.password_reset !== false && (
        <form method="post" onSubmit={onSubmit} className="flex flex-col gap-4">
          <p className="text-sm text-slate-700">{t("forgot.intro")}</p>
          <ErrorAlert>{errorSummary(error)}</ErrorAlert>
          <Field
            label={tAccount("email")}
            name="email"
            type="email"
            autoComplete="email"
            required
            autoFocus
            error={fieldError(error, "email")}
          />
          <Button type="submit" disabled={pending}>
            {pending ? t("forgot.submitting") : t("forgot.submit")}
          </Button>
        </form>
      )}
    </RecoveryCard>
  );
}
