"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { useState, type FormEvent } from "react";

import { ErrorAlert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { Field } from "@/components/ui/Field";
import { useAuth } from "@/contexts/auth";
import { unwrap } from "@/lib/api/client";
import { asApiError, type ApiError } from "@/lib/api/errors";
import { isFieldError, useApiErrorText, useFieldErrorText } from "@/lib/i18n/errorText";

import { AuthCard } from "./AuthCard";
import { useReturnAfterSignIn } from "./useReturnAfterSignIn";

function text(form: FormData, name: string): string {
  return String(form.get(name) ?? "");
}

export function RegisterForm() {
  const t = useTranslations("auth");
  const { api, signIn } = useAuth();
  const next = useReturnAfterSignIn();
  const errorText = useApiErrorText("auth");
  const fieldError = useFieldErrorText("auth");
  const [error, setError] = useState<ApiError | null>(null);
  const [submitting, setSubmitting] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const username = text(form, "username");
    const password = text(form, "password");
    setSubmitting(true);
    setError(null);
    try {
      await unwrap(
        api.POST("/api/auth/register", {
          body: {
            username,
            password,
            email: text(form, "email"),
            full_name: text(form, "full_name").trim() || null,
          },
        }),
      );
      await signIn(username, password);
    } catch (thrown) {
      setError(asApiError(thrown));
    } finally {
      setSubmitting(false);
    }
  }

  const closed = error?.code === "registration_disabled";
  return (
    <AuthCard title={t("register.title")}>
      <ErrorAlert>{error && !isFieldError(error) ? errorText(error) : null}</ErrorAlert>
      {!closed && (
        <form onSubmit={handleSubmit} className="mt-2 flex flex-col gap-4">
          <Field
            label={t("register.username")}
            name="username"
            autoComplete="username"
            required
            minLength={3}
            maxLength={50}
            hint={t("register.usernameHint")}
            error={fieldError(error, "username")}
          />
          <Field
            label={t("register.email")}
            name="email"
            type="email"
            autoComplete="email"
            required
            error={fieldError(error, "email")}
          />
          <Field
            label={t("register.fullName")}
            name="full_name"
            autoComplete="name"
            maxLength={100}
            error={fieldError(error, "full_name")}
          />
          <Field
            label={t("register.password")}
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            hint={t("register.passwordHint")}
            error={fieldError(error, "password")}
          />
          <Button type="submit" disabled={submitting}>
            {submitting ? t("register.submitting") : t("register.submit")}
          </Button>
        </form>
      )}
      <p className="mt-4 text-sm text-slate-700">
        {t("register.haveAccount")}{" "}
        <Link href={`/login?next=${encodeURIComponent(next)}`} className="text-blue-700 underline">
          {t("register.signInLink")}
        </Link>
      </p>
    </AuthCard>
  );
}
