"use client";

import { useTranslations } from "next-intl";

import { Field } from "@/components/ui/Field";
import type { Schemas } from "@/lib/api/client";
import { formText } from "@/lib/forms";

type AccountDetails = Pick<Schemas["UserCreate"], "username" | "email" | "full_name" | "password">;

/** The new account's details from a form holding `AccountFields`. */
export function accountDetailsOf(form: FormData): AccountDetails {
  return {
    username: formText(form, "username").trim(),
    email: formText(form, "email").trim(),
    full_name: formText(form, "full_name").trim() || null,
    password: formText(form, "password"),
  };
}

interface AccountFieldsProps {
  /** The API's complaint about one field, shown beside it. */
  fieldError(field: string): string | null;
  /** Registering yourself lets the browser fill and save your details; an admin's form doesn't. */
  ownAccount: boolean;
  passwordHint?: string;
}

/** Username, email, full name and password of a new account, with the API's limits. */
export function AccountFields({ fieldError, ownAccount, passwordHint }: AccountFieldsProps) {
  const t = useTranslations("common.account");
  return (
    <>
      <Field
        label={t("username")}
        name="username"
        autoComplete={ownAccount ? "username" : "off"}
        required
        minLength={3}
        maxLength={50}
        hint={t("usernameHint")}
        error={fieldError("username")}
      />
      <Field
        label={t("email")}
        name="email"
        type="email"
        autoComplete={ownAccount ? "email" : "off"}
        required
        error={fieldError("email")}
      />
      <Field
        label={t("fullName")}
        name="full_name"
        autoComplete={ownAccount ? "name" : "off"}
        maxLength={100}
        error={fieldError("full_name")}
      />
      <Field
        label={t("password")}
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        hint={passwordHint ?? t("passwordHint")}
        error={fieldError("password")}
      />
    </>
  );
}
