"use client";

import { useTranslations } from "next-intl";

import { ErrorAlert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
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

  async function confirm() {
    try {
      await archive.mutateAsync(product.id);
      onArchived(t("done", { name: product.name }));
      onClose();
    } catch {
      // Shown from archive.error below.
    }
  }

  return (
    <Dialog open title={t("title", { name: product.name })} onClose={onClose}>
      <p className="text-sm text-slate-700">{t("body")}</p>
      <ErrorAlert>{archive.error ? errorText(archive.error) : null}</ErrorAlert>
      <div className="flex justify-end gap-2">
        <Button variant="secondary" autoFocus onClick={onClose}>
          {tActions("cancel")}
        </Button>
        <Button variant="danger" disabled={archive.isPending} onClick={confirm}>
          {t("confirm")}
        </Button>
      </div>
    </Dialog>
  );
}
