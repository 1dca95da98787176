"use client";

import { useTranslations } from "next-intl";
import { useCallback, useState } from "react";

import { Field } from "@/components/ui/Field";
import { formText } from "@/lib/forms";

const NEW = "new_password";
const CONFIRM = "confirm_password";

/**
 * The check behind `NewPasswordFields`: `confirmed(form)` is the new password when its
 * confirmation matches, else null, with the mismatch shown and the confirmation focused.
 */
export function useNewPasswordCheck() {
  const [mismatch, setMismatch] = useState(false);
  const confirmed = useCallback((formElement: HTMLFormElement): string | null => {
    const form = new FormData(formElement);
    const password = formText(form, NEW);
    const matches = password === formText(form, CONFIRM);
    setMismatch(!matches);
    if (matches) {
      return password;
    }
    const confirmInput = formElement.elements.namedItem(CONFIRM);
    if (confirmInput instanceof HTMLInputElement) {
      confirmInput.focus();
    }
    return null;
  }, []);
  const clear = useCallback(() => setMismatch(false), []);
  return { mismatch, confirmed, clear };
}

interface NewPasswordFieldsProps {
  check: ReturnType<typeof useNewPasswordCheck>;
  /** The API's complaint about the new password (its length rules), shown beside it. */
  error: string | null;
}

/** A new password and its confirmation, with the API's length rule as the hint. */
export function NewPasswordFields({ check, error }: NewPasswordFieldsProps) {
  const t = useTranslations("common.newPassword");
  return (
    <>
      <Field
        label={t("label")}
        name={NEW}
        type="password"
        required
        minLength={8}
        autoComplete="new-password"
        hint={t("hint")}
        error={error}
      />
      <Field
        label={t("confirm")}
        name={CONFIRM}
        type="password"
        required
        autoComplete="new-password"
        error={check.mismatch ? t("mismatch") : null}
        onChange={check.clear}
      />
    </>
  );
}
