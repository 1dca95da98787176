"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState, type FormEvent } from "react";

import { PageHeading } from "@/components/layout/PageHeading";
import { ErrorAlert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { TextAreaField } from "@/components/ui/Field";
import { Panel } from "@/components/ui/Panel";
import { EmptyState } from "@/components/ui/States";
import { useAuth, useUpdateProfile } from "@/contexts/auth";
import { useCart } from "@/contexts/cart";
import { useShopConfigValue, useShopFormat } from "@/contexts/shop";
import { asApiError } from "@/lib/api/errors";
import { orderItems } from "@/lib/cart";
import { formText } from "@/lib/forms";
import { useFormErrorSummary } from "@/lib/i18n/errorText";
import { addressFromForm, sameAddress } from "@/features/shipping/address";
import { AddressFields } from "@/features/shipping/AddressFields";

import { CartLineRow } from "./CartLineRow";
import { usePlaceOrder } from "./usePlaceOrder";

export function CartScreen() {
  const t = useTranslations("cart");
  const tShipping = useTranslations("shipping.checkout");
  const format = useShopFormat();
  const { require_shipping_address: addressRequired } = useShopConfigValue();
  const router = useRouter();
  const cart = useCart();
  const { user } = useAuth();
  const placeOrder = usePlaceOrder();
  const saveDefault = useUpdateProfile();
  const errorSummary = useFormErrorSummary("cart");
  // An order placed whose address could not then be kept as the default: said, with a link.
  const [unsavedDefaultOf, setUnsavedDefaultOf] = useState<number | null>(null);
  const [note, setNote] = useState("");
  // Set synchronously, so a second click in the same frame finds the checkout under way.
  const submitting = useRef(false);
  const error = placeOrder.error ? asApiError(placeOrder.error) : null;

  async function checkout(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting.current) {
      return;
    }
    submitting.current = true;
    const form = new FormData(event.currentTarget);
    const address = addressFromForm(form, "shipping_address");
    try {
      const order = await placeOrder.mutateAsync({
        body: { items: orderItems(cart.cart), note: note.trim() || null, shipping_address: address },
        idempotencyKey: cart.checkoutKey(),
      });
      cart.checkedOut();
      if (address && formText(form, "save_as_default") && !sameAddress(address, user?.default_shipping_address)) {
        try {
          await saveDefault.mutateAsync({ default_shipping_address: address });
        } catch {
          // The order stands (the API accepted this very address): say so and stay.
          setUnsavedDefaultOf(order.id);
          return;
        }
      }
      router.push(`/orders/${order.id}`);
    } catch {
      // Shown from placeOrder.error; the key stays, so trying again can't order twice.
    } finally {
      submitting.current = false;
    }
  }

  if (cart.cart.length === 0) {
    return (
      <section>
        <PageHeading>{t("title")}</PageHeading>
        <ErrorAlert>
          {unsavedDefaultOf !== null && (
            <>
              {tShipping("saveFailed")}{" "}
              <Link href={`/orders/${unsavedDefaultOf}`} className="underline">
                {tShipping("seeOrder")}
              </Link>
            </>
          )}
        </ErrorAlert>
        <EmptyState>
          <p>{t("empty")}</p>
          <Link href="/products" className="mt-2 inline-block text-blue-700 underline">
            {t("browse")}
          </Link>
        </EmptyState>
      </section>
    );
  }

  const columns: Column[] = [
    { label: t("columns.product") },
    { label: t("columns.unitPrice"), numeric: true },
    { label: t("columns.quantity") },
    { label: t("columns.lineTotal"), numeric: true },
    { label: t("remove"), labelHidden: true },
  ];

  return (
    <section className="flex flex-col gap-4">
      <PageHeading>{t("title")}</PageHeading>
      <ErrorAlert>{errorSummary(error)}</ErrorAlert>
      <DataTable caption={t("title")} columns={columns} minWidthRem={36}>
        {cart.cart.map((line) => (
          <CartLineRow
            key={line.productId}
            line={line}
            stockProblem={error?.stockProblem(line.productId)}
            unavailable={error?.productIds.includes(line.productId) ?? false}
            onQuantity={(quantity) => cart.setQuantity(line.productId, quantity)}
            onRemove={() => cart.remove(line.productId)}
          />
        ))}
      </DataTable>
      <div className="flex flex-col items-end gap-1">
        <p aria-live="polite" className="text-lg font-semibold">
          {t("total")}: <span className="tabular-nums">{format.money(cart.total)}</span>
        </p>
        <p className="text-xs text-slate-600">{t("priceNote")}</p>
      </div>
      <form onSubmit={checkout} className="flex flex-col gap-4">
        <Panel title={tShipping("title")}>
          <AddressFields
            prefix="shipping_address"
            initial={user?.default_shipping_address}
            required={addressRequired}
            error={error}
            errorFeature="cart"
          />
          <label className="flex items-center gap-2 text-sm text-slate-800">
            <input type="checkbox" name="save_as_default" value="yes" className="size-4" />
            {tShipping("saveAsDefault")}
          </label>
        </Panel>
        <TextAreaField label={t("note")} value={note} maxLength={1000} onChange={(event) => setNote(event.target.value)} />
        <div className="flex items-center justify-end gap-3">
          <span role="status" className="text-sm text-slate-600">
            {placeOrder.isPending ? t("submitting") : ""}
          </span>
          <Button type="submit" disabled={placeOrder.isPending}>
            {t("checkout")}
          </Button>
        </div>
      </form>
    </section>
  );
}
