"use client";

import { useTranslations } from "next-intl";

import { ErrorAlert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { Field } from "@/components/ui/Field";
import { useAuth } from "@/contexts/auth";
import { unwrap } from "@/lib/api/client";
import { formText } from "@/lib/forms";
import { isFieldError, useApiErrorText, useFieldErrorText } from "@/lib/i18n/errorText";
import { useFormSubmit } from "@/lib/useFormSubmit";

import { AuthCard } from "./AuthCard";
import { useReturnAfterSignIn } from "./useReturnAfterSignIn";

export function RegisterForm() {
  const t = useTranslations("auth");
  const { api, signIn } = useAuth();
  const next = useReturnAfterSignIn();
  const errorText = useApiErrorText("auth");
  const fieldError = useFieldErrorText("auth");
  // Registered, then signed in with the same credentials: one step for the visitor.
  const { onSubmit, pending, error } = useFormSubmit(async (form) => {
    const username = formText(form, "username");
    const password = formText(form, "password");
    const body = {
      username,
      password,
      email: formText(form, "email"),
      full_name: formText(form, "full_name").trim() || null,
    };
    await unwrap(api.POST("/api/auth/register", { body }));
    await signIn(username, password);
  });

  return (
    <AuthCard
      title={t("register.title")}
      switchPrompt={t("register.haveAccount")}
      switchLabel={t("register.signInLink")}
      switchHref={`/login?next=${encodeURIComponent(next)}`}
    >
      <ErrorAlert>{error && !isFieldError(error) ? errorText(error) : null}</ErrorAlert>
      {/* POST, so a submit before hydration never puts the password in the address. */}
      {error?.code !== "registration_disabled" && (
        <form method="post" onSubmit={onSubmit} className="mt-2 flex flex-col gap-4">
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
          <Button type="submit" disabled={pending}>
            {pending ? t("register.submitting") : t("register.submit")}
          </Button>
        </form>
      )}
    </AuthCard>
  );
}
