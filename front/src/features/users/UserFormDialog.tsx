"use client";

import { useTranslations } from "next-intl";
import type { FormEvent } from "react";

import { AccountFields, accountDetailsOf } from "@/components/auth/AccountFields";
import { ErrorAlert } from "@/components/ui/Alert";
import { CheckboxField } from "@/components/ui/CheckboxField";
import { Dialog } from "@/components/ui/Dialog";
import { DialogButtons } from "@/components/ui/DialogButtons";
import { SelectField } from "@/components/ui/Field";
import { useAuth } from "@/contexts/auth";
import { USER_ROLES, type UserRole } from "@/lib/api/enums";
import { asApiError } from "@/lib/api/errors";
import { useFieldErrorText, useFormErrorSummary } from "@/lib/i18n/errorText";

import { useSaveUser, type User } from "./queries";

interface UserFormDialogProps {
  /** The account to edit; null to create one. */
  user: User | null;
  onClose(): void;
  onSaved(message: string): void;
}

/** Creates an account, or changes one's role and active state; only the roles the API allows are offered. */
export function UserFormDialog({ user, onClose, onSaved }: UserFormDialogProps) {
  const t = useTranslations("users");
  const tCommon = useTranslations("common");
  const { user: actor } = useAuth();
  const save = useSaveUser();
  const error = save.error ? asApiError(save.error) : null;
  const fieldError = useFieldErrorText("users");
  const errorSummary = useFormErrorSummary("users");
  const roles = (user ? user.permissions.assignable_roles : actor?.new_account_roles) ?? [];

  function close() {
    save.reset();
    onClose();
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const role = roles.find((option) => option === form.get("role")) ?? "user";
    const isActive = form.get("is_active") === "on";
    try {
      const saved = await save.mutateAsync(
        user
          ? { id: user.id, body: { role, is_active: isActive } }
          : {
              id: null,
              body: { ...accountDetailsOf(form), role, is_active: isActive },
            },
      );
      onSaved(t(user ? "done.updated" : "done.created", { username: saved.username }));
      close();
    } catch {
      // Shown from save.error below.
    }
  }

  return (
    <Dialog open title={user ? t("form.editTitle", { username: user.username }) : t("form.createTitle")} onClose={close}>
      <form onSubmit={handleSubmit} className="flex flex-col gap-3">
        <ErrorAlert>{errorSummary(error)}</ErrorAlert>
        {!user && (
          <AccountFields
            ownAccount={false}
            passwordHint={t("form.passwordHint")}
            fieldError={(field) => fieldError(error, field)}
          />
        )}
        <SelectField
          label={t("form.role")}
          name="role"
          defaultValue={user?.role ?? "user"}
          hint={roles.length < USER_ROLES.length ? t("form.roleHint") : undefined}
          options={roles.map((role: UserRole) => ({ value: role, label: tCommon(`roles.${role}`) }))}
          error={fieldError(error, "role")}
        />
        <CheckboxField
          name="is_active"
          label={t("form.active")}
          hint={t("form.activeHint")}
          defaultChecked={user?.is_active ?? true}
        />
        <DialogButtons
          dismissLabel={tCommon("actions.cancel")}
          onDismiss={close}
          confirmLabel={save.isPending ? t("form.saving") : t(user ? "form.submitEdit" : "form.submitCreate")}
          pending={save.isPending}
        />
      </form>
    </Dialog>
  );
}
