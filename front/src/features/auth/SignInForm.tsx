"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { useState, type FormEvent } from "react";

import { ErrorAlert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { Field } from "@/components/ui/Field";
import { useAuth } from "@/contexts/auth";
import { asApiError, type ApiError } from "@/lib/api/errors";
import { useApiErrorText, useFieldErrorText } from "@/lib/i18n/errorText";

import { AuthCard } from "./AuthCard";
import { useReturnAfterSignIn } from "./useReturnAfterSignIn";

export function SignInForm() {
  const t = useTranslations("auth");
  const { signIn } = useAuth();
  const next = useReturnAfterSignIn();
  const errorText = useApiErrorText("auth");
  const fieldError = useFieldErrorText("auth");
  const [error, setError] = useState<ApiError | null>(null);
  const [submitting, setSubmitting] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setSubmitting(true);
    setError(null);
    try {
      await signIn(String(form.get("username") ?? ""), String(form.get("password") ?? ""));
    } catch (thrown) {
      setError(asApiError(thrown));
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <AuthCard title={t("signIn.title")}>
      <form onSubmit={handleSubmit} className="flex flex-col gap-4" noValidate={false}>
        <ErrorAlert>{error && error.fieldErrors.length === 0 ? errorText(error) : null}</ErrorAlert>
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
        <Button type="submit" disabled={submitting}>
          {submitting ? t("signIn.submitting") : t("signIn.submit")}
        </Button>
      </form>
      <p className="mt-4 text-sm text-slate-700">
        {t("signIn.noAccount")}{" "}
        <Link href={`/register?next=${encodeURIComponent(next)}`} className="text-blue-700 underline">
          {t("signIn.registerLink")}
        </Link>
      </p>
    </AuthCard>
  );
}
