"use client";

import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";

import { ErrorAlert } from "@/components/ui/Alert";
import { Dialog } from "@/components/ui/Dialog";
import { DialogButtons } from "@/components/ui/DialogButtons";
import { Field } from "@/components/ui/Field";
import { asApiError } from "@/lib/api/errors";
import { useApiErrorText, useFieldErrorText } from "@/lib/i18n/errorText";

import { useAdjustStock, type Product } from "./queries";

interface StockDialogProps {
  product: Product;
  onClose(): void;
  onAdjusted(message: string): void;
}

/** Two steps: enter the change, then confirm the resulting stock before it is sent. */
export function StockDialog({ product, onClose, onAdjusted }: StockDialogProps) {
  const t = useTranslations("products.stock");
  const tActions = useTranslations("common.actions");
  const adjust = useAdjustStock();
  const errorText = useApiErrorText("products");
  const fieldError = useFieldErrorText("products");
  const [delta, setDelta] = useState("");
  const [reviewing, setReviewing] = useState(false);
  const error = adjust.error ? asApiError(adjust.error) : null;
  const change = Number.parseInt(delta, 10);

  function review(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (Number.isInteger(change) && change !== 0) {
      adjust.reset();
      setReviewing(true);
    }
  }

  async function confirm() {
    try {
      const updated = await adjust.mutateAsync({ id: product.id, delta: change });
      onAdjusted(t("done", { name: updated.name, count: updated.stock_quantity }));
      onClose();
    } catch {
      setReviewing(false);
    }
  }

  return (
    <Dialog open title={t("title", { name: product.name })} onClose={onClose}>
      <p className="text-sm text-slate-700">{t("current", { count: product.stock_quantity })}</p>
      <ErrorAlert>{error && error.fieldErrors.length === 0 ? errorText(error) : null}</ErrorAlert>
      {reviewing ? (
        <div className="flex flex-col gap-4">
          <p className="font-medium">
            {t("confirmQuestion", {
              name: product.name,
              from: product.stock_quantity,
              to: product.stock_quantity + change,
            })}
          </p>
          <DialogButtons
            dismissLabel={t("back")}
            onDismiss={() => setReviewing(false)}
            confirmLabel={t("confirm")}
            pending={adjust.isPending}
            onConfirm={() => void confirm()}
          />
        </div>
      ) : (
        <form onSubmit={review} className="flex flex-col gap-4">
          <Field
            label={t("delta")}
            name="delta"
            type="number"
            step={1}
            required
            autoFocus
            hint={t("deltaHint")}
            value={delta}
            onChange={(event) => setDelta(event.target.value)}
            error={fieldError(error, "delta")}
          />
          <DialogButtons
            dismissLabel={tActions("cancel")}
            onDismiss={onClose}
            confirmLabel={t("review")}
            incomplete={!Number.isInteger(change) || change === 0}
          />
        </form>
      )}
    </Dialog>
  );
}
