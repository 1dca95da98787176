"use client";

import { useTranslations } from "next-intl";

import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { asApiError } from "@/lib/api/errors";
import { useApiErrorText } from "@/lib/i18n/errorText";

import { useDeleteUser, useSaveUser, type User } from "./queries";

interface DeleteUserDialogProps {
  user: User;
  onClose(): void;
  onDone(message: string): void;
}

/**
 * Asks before deleting an account. The API keeps accounts that placed orders: then this shows
 * its refusal and offers to deactivate the account instead, which keeps the orders' customer.
 */
export function DeleteUserDialog({ user, onClose, onDone }: DeleteUserDialogProps) {
  const t = useTranslations("users.delete");
  const tActions = useTranslations("common.actions");
  const remove = useDeleteUser();
  const deactivate = useSaveUser();
  const errorText = useApiErrorText("users");
  const failure = deactivate.error ?? remove.error;
  const offerDeactivation = remove.error !== null && asApiError(remove.error).code === "user_has_orders" && user.is_active;
  const username = user.username;

  return (
    <ConfirmDialog
      title={t("title", { username })}
      confirmLabel={offerDeactivation ? t("deactivate", { username }) : t("confirm")}
      dismissLabel={tActions("cancel")}
      danger={!offerDeactivation}
      pending={remove.isPending || deactivate.isPending}
      error={failure ? errorText(failure) : null}
      onClose={onClose}
      onConfirm={() => {
        if (offerDeactivation) {
          deactivate.mutate(
            { id: user.id, body: { is_active: false } },
            { onSuccess: () => onDone(t("deactivated", { username })) },
          );
        } else {
          remove.mutate(user.id, { onSuccess: () => onDone(t("done", { username })) });
        }
      }}
    >
      {offerDeactivation ? t("deactivateBody") : t("body")}
    </ConfirmDialog>
  );
}
