"use client";

import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";

import { ErrorAlert } from "@/components/ui/Alert";
import { Field } from "@/components/ui/Field";
import { Panel } from "@/components/ui/Panel";
import { useUpdateProfile, type ProfileChanges, type User } from "@/contexts/auth";
import { useShopFormat } from "@/contexts/shop";
import { asApiError } from "@/lib/api/errors";
import { formText } from "@/lib/forms";
import { useFieldErrorText, useFormErrorSummary } from "@/lib/i18n/errorText";

import { SaveRow } from "./SaveRow";

/** Only what changed is sent: the API treats an absent field as "keep it". */
function changesOf(user: User, form: FormData): ProfileChanges {
  const changes: ProfileChanges = {};
  const email = formText(form, "email").trim();
  const fullName = formText(form, "full_name").trim() || null;
  if (email !== user.email) {
    changes.email = email;
  }
  if (fullName !== user.full_name) {
    changes.full_name = fullName;
  }
  return changes;
}

export function DetailsForm({ user }: { user: User }) {
  const t = useTranslations("profile.details");
  const tRoles = useTranslations("common.roles");
  const format = useShopFormat();
  const update = useUpdateProfile();
  const error = update.error ? asApiError(update.error) : null;
  const fieldError = useFieldErrorText("profile");
  const errorSummary = useFormErrorSummary("profile");
  const [notice, setNotice] = useState("");

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setNotice("");
    const changes = changesOf(user, new FormData(event.currentTarget));
    if (Object.keys(changes).length === 0) {
      setNotice(t("unchanged"));
      return;
    }
    try {
      await update.mutateAsync(changes);
      setNotice(t("saved"));
    } catch {
      // Shown from update.error below.
    }
  }

  return (
    <Panel title={t("title")}>
      <dl className="grid grid-cols-1 gap-3 text-sm sm:grid-cols-3">
        <div>
          <dt className="text-slate-600">{t("username")}</dt>
          <dd className="font-medium text-slate-900">{user.username}</dd>
        </div>
        <div>
          <dt className="text-slate-600">{t("role")}</dt>
          <dd className="font-medium text-slate-900">{tRoles(user.role)}</dd>
        </div>
        <div>
          <dt className="text-slate-600">{t("memberSince")}</dt>
          <dd className="font-medium text-slate-900">{format.date(user.created_at)}</dd>
        </div>
      </dl>
      <form onSubmit={handleSubmit} className="flex flex-col gap-3">
        <ErrorAlert>{errorSummary(error)}</ErrorAlert>
        <Field
          label={t("email")}
          name="email"
          type="email"
          required
          autoComplete="email"
          defaultValue={user.email}
          error={fieldError(error, "email")}
        />
        <Field
          label={t("fullName")}
          name="full_name"
          maxLength={100}
          autoComplete="name"
          defaultValue={user.full_name ?? ""}
          error={fieldError(error, "full_name")}
        />
        <SaveRow label={t("submit")} pendingLabel={t("saving")} pending={update.isPending} notice={notice} />
      </form>
    </Panel>
  );
}
