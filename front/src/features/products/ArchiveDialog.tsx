"use client";

import { useTranslations } from "next-intl";

import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { useApiErrorText } from "@/lib/i18n/errorText";

import { useArchiveProduct, type Product } from "./queries";

interface ArchiveDialogProps {
  product: Product;
  onClose(): void;
  onArchived(message: string): void;
}

export function ArchiveDialog({ product, onClose, onArchived }: ArchiveDialogProps) {
  const t = useTranslations("products.archive");
  const tActions = useTranslations("common.actions");
  const archive = useArchiveProduct();
  const errorText = useApiErrorText("products");

  return (
    <ConfirmDialog
      title={t("title", { name: product.name })}
      confirmLabel={t("confirm")}
      dismissLabel={tActions("cancel")}
      danger
      pending={archive.isPending}
      error={archive.error ? errorText(archive.error) : null}
      onClose={onClose}
      onConfirm={() =>
        archive.mutate(product.id, {
          onSuccess: () => {
            onArchived(t("done", { name: product.name }));
            onClose();
          },
        })
      }
    >
      {t("body")}
    </ConfirmDialog>
  );
}
