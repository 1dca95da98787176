"use client";

import { useTranslations } from "next-intl";
import type { FormEvent } from "react";

import { ErrorAlert } from "@/components/ui/Alert";
import { Dialog } from "@/components/ui/Dialog";
import { DialogButtons } from "@/components/ui/DialogButtons";
import { Field, SelectField, TextAreaField } from "@/components/ui/Field";
import { asApiError } from "@/lib/api/errors";
import { formText } from "@/lib/forms";
import { useFieldErrorText, useFormErrorSummary } from "@/lib/i18n/errorText";

import { PRODUCT_STATUSES, useCreateProduct, useUpdateProduct, type Product, type ProductStatus } from "./queries";

interface ProductFormDialogProps {
  /** The product to edit; null to create one. */
  product: Product | null;
  onClose(): void;
  onSaved(message: string): void;
}

function readStatus(form: FormData): ProductStatus {
  return PRODUCT_STATUSES.find((status) => status === form.get("status")) ?? "active";
}

export function ProductFormDialog({ product, onClose, onSaved }: ProductFormDialogProps) {
  const t = useTranslations("products");
  const tActions = useTranslations("common.actions");
  const create = useCreateProduct();
  const update = useUpdateProduct();
  const mutation = product ? update : create;
  const error = mutation.error ? asApiError(mutation.error) : null;
  const errorSummary = useFormErrorSummary("products");
  const fieldError = useFieldErrorText("products");

  function close() {
    create.reset();
    update.reset();
    onClose();
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const fields = {
      name: formText(form, "name"),
      sku: formText(form, "sku"),
      description: formText(form, "description").trim() || null,
      price: formText(form, "price").trim(),
      status: readStatus(form),
    };
    try {
      const saved = product
        ? await update.mutateAsync({ id: product.id, changes: fields })
        : await create.mutateAsync({
            ...fields,
            stock_quantity: Number.parseInt(formText(form, "stock_quantity"), 10),
          });
      onSaved(t(product ? "form.saved" : "form.created", { name: saved.name }));
      close();
    } catch {
      // Shown from mutation.error below.
    }
  }

  return (
    <Dialog
      open
      title={product ? t("form.editTitle", { name: product.name }) : t("form.createTitle")}
      onClose={close}
    >
      <form onSubmit={handleSubmit} className="flex flex-col gap-3">
        <ErrorAlert>{errorSummary(error)}</ErrorAlert>
        <Field label={t("form.name")} name="name" required maxLength={200} defaultValue={product?.name} error={fieldError(error, "name")} />
        <Field
          label={t("form.sku")}
          name="sku"
          required
          maxLength={64}
          pattern="[A-Za-z0-9._\-]+"
          hint={t("form.skuHint")}
          defaultValue={product?.sku}
          error={fieldError(error, "sku")}
        />
        <Field
          label={t("form.price")}
          name="price"
          required
          inputMode="decimal"
          pattern="\d+(\.\d{1,2})?"
          defaultValue={product?.price}
          error={fieldError(error, "price")}
        />
        {!product && (
          <Field
            label={t("form.stock")}
            name="stock_quantity"
            type="number"
            required
            min={0}
            step={1}
            defaultValue={0}
            error={fieldError(error, "stock_quantity")}
          />
        )}
        <SelectField
          label={t("form.status")}
          name="status"
          defaultValue={product?.status ?? "active"}
          options={PRODUCT_STATUSES.map((status) => ({ value: status, label: t(`statuses.${status}`) }))}
          error={fieldError(error, "status")}
        />
        <TextAreaField
          label={t("form.description")}
          name="description"
          maxLength={5000}
          defaultValue={product?.description ?? ""}
          error={fieldError(error, "description")}
        />
        <DialogButtons
          dismissLabel={tActions("cancel")}
          onDismiss={close}
          confirmLabel={mutation.isPending ? t("form.saving") : t(product ? "form.save" : "form.create")}
          pending={mutation.isPending}
        />
      </form>
    </Dialog>
  );
}
