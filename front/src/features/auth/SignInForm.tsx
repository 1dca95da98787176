"use client";

import { useMutation } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import type { FormEvent } from "react";

import { ErrorAlert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { Field } from "@/components/ui/Field";
import { useAuth } from "@/contexts/auth";
import { asApiError } from "@/lib/api/errors";
import { formText } from "@/lib/forms";
import { isFieldError, useApiErrorText, useFieldErrorText } from "@/lib/i18n/errorText";

import { AuthCard } from "./AuthCard";
import { useReturnAfterSignIn } from "./useReturnAfterSignIn";

export function SignInForm() {
  const t = useTranslations("auth");
  const { signIn } = useAuth();
  const next = useReturnAfterSignIn();
  const errorText = useApiErrorText("auth");
  const fieldError = useFieldErrorText("auth");
  const submit = useMutation({
    mutationFn: (form: FormData) => signIn(formText(form, "username"), formText(form, "password")),
  });
  const error = submit.error ? asApiError(submit.error) : null;

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    submit.mutate(new FormData(event.currentTarget));
  }

  return (
    <AuthCard
      title={t("signIn.title")}
      switchPrompt={t("signIn.noAccount")}
      switchLabel={t("signIn.registerLink")}
      switchHref={`/register?next=${encodeURIComponent(next)}`}
    >
      {/* POST, so a submit before hydration never puts the password in the address. */}
        <form method="post" onSubmit={handleSubmit} className="flex flex-col gap-4">
        <ErrorAlert>{error && !isFieldError(error) ? errorText(error) : null}</ErrorAlert>
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
        <Button type="submit" disabled={submit.isPending}>
          {submit.isPending ? t("signIn.submitting") : t("signIn.submit")}
        </Button>
      </form>
    </AuthCard>
  );
}
