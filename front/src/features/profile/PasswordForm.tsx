"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { NewPasswordFields, useNewPasswordCheck } from "@/components/auth/NewPasswordFields";
import { ErrorAlert } from "@/components/ui/Alert";
import { Field } from "@/components/ui/Field";
import { Panel } from "@/components/ui/Panel";
import { useAuth, type User } from "@/contexts/auth";
import { asApiError } from "@/lib/api/errors";
import { formText } from "@/lib/forms";
import { useFieldErrorText, useFormErrorSummary } from "@/lib/i18n/errorText";

import { useChangePassword } from "./queries";
import { SaveRow } from "./SaveRow";

export function PasswordForm({ user }: { user: User }) {
  const t = useTranslations("profile.password");
  const router = useRouter();
  const { signOut } = useAuth();
  const change = useChangePassword();
  const error = change.error ? asApiError(change.error) : null;
  const fieldError = useFieldErrorText("profile");
  const errorSummary = useFormErrorSummary("profile");
  const newPassword = useNewPasswordCheck();
  const [notice, setNotice] = useState("");

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    setNotice("");
    change.reset();
    const confirmed = newPassword.confirmed(formElement);
    if (confirmed === null) {
      return;
    }
    try {
      const signedInAgain = await change.mutateAsync({
        username: user.username,
        currentPassword: formText(new FormData(formElement), "current_password"),
        newPassword: confirmed,
      });
      formElement.reset();
      if (signedInAgain) {
        setNotice(t("done"));
      } else {
        await signOut().catch(() => undefined);
        router.push("/login");
      }
    } catch {
      // Shown from change.error below.
    }
  }

  return (
    <Panel title={t("title")}>
      <form onSubmit={handleSubmit} aria-label={t("title")} className="flex flex-col gap-3">
        <ErrorAlert>{errorSummary(error)}</ErrorAlert>
        <Field
          label={t("current")}
          name="current_password"
          type="password"
          required
          autoComplete="current-password"
          error={fieldError(error, "current_password")}
        />
        <NewPasswordFields check={newPassword} error={fieldError(error, "new_password")} />
        <SaveRow label={t("submit")} pendingLabel={t("saving")} pending={change.isPending} notice={notice} />
      </form>
    </Panel>
  );
}
