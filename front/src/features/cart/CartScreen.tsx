"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";

import { PageHeading } from "@/components/layout/PageHeading";
import { ErrorAlert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { TextAreaField } from "@/components/ui/Field";
import { EmptyState } from "@/components/ui/States";
import { useCart } from "@/contexts/cart";
import { useShopFormat } from "@/contexts/shop";
import { asApiError } from "@/lib/api/errors";
import { orderItems } from "@/lib/cart";
import { useApiErrorText } from "@/lib/i18n/errorText";

import { CartLineRow } from "./CartLineRow";
import { usePlaceOrder } from "./usePlaceOrder";

export function CartScreen() {
  const t = useTranslations("cart");
  const format = useShopFormat();
  const router = useRouter();
  const cart = useCart();
  const placeOrder = usePlaceOrder();
  const errorText = useApiErrorText("cart");
  const [note, setNote] = useState("");
  // Set synchronously, so a second click in the same frame finds the checkout under way.
  const submitting = useRef(false);
  const error = placeOrder.error ? asApiError(placeOrder.error) : null;

  async function checkout() {
    if (submitting.current) {
      return;
    }
    submitting.current = true;
    try {
      const order = await placeOrder.mutateAsync({
        body: { items: orderItems(cart.cart), note: note.trim() || null },
        idempotencyKey: cart.checkoutKey(),
      });
      cart.checkedOut();
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
      <ErrorAlert>{error ? errorText(error) : null}</ErrorAlert>
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
      <TextAreaField label={t("note")} value={note} maxLength={1000} onChange={(event) => setNote(event.target.value)} />
      <div className="flex items-center justify-end gap-3">
        <span role="status" className="text-sm text-slate-600">
          {placeOrder.isPending ? t("submitting") : ""}
        </span>
        <Button onClick={checkout} disabled={placeOrder.isPending}>
          {t("checkout")}
        </Button>
      </div>
    </section>
  );
}
