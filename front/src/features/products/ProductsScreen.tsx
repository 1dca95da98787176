"use client";

import { useLocale, useTranslations } from "next-intl";
import { useState } from "react";

import { PageHeading } from "@/components/layout/PageHeading";
import { ErrorAlert, StatusMessage } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { Pagination } from "@/components/ui/Pagination";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { useAuth } from "@/contexts/auth";
import { useCart } from "@/contexts/cart";
import { useAddressFilters } from "@/lib/addressFilters";
import { useApiErrorText } from "@/lib/i18n/errorText";
import { PAGE_SIZE } from "@/lib/queries";

import { ArchiveDialog } from "./ArchiveDialog";
import { ImportDialog } from "./ImportDialog";
import { parseProductFilters, productFiltersQuery } from "./filters";
import { ProductFilters } from "./ProductFilters";
import { ProductFormDialog } from "./ProductFormDialog";
import { ProductTable } from "./ProductTable";
import { useExportProducts, useProducts, type Product } from "./queries";
import { saveFile } from "./spreadsheet";
import { StockDialog } from "./StockDialog";

type OpenDialog =
  | { kind: "create" | "import" }
  | { kind: "edit" | "stock" | "archive"; product: Product }
  | null;

export function ProductsScreen() {
  const t = useTranslations("products");
  const { isAdmin } = useAuth();
  const cart = useCart();
  const { filters, update } = useAddressFilters({
    path: "/products",
    parse: parseProductFilters,
    toQuery: productFiltersQuery,
  });
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [notice, setNotice] = useState("");
  const locale = useLocale();
  const exportCsv = useExportProducts();
  const errorText = useApiErrorText("products");
  // Only admins may filter by status: a customer's address can't ask for archived products.
  const products = useProducts({ ...filters, status: isAdmin ? filters.status : null });

  async function download() {
    const file = await exportCsv
      .mutateAsync({ search: filters.search, status: filters.status, lang: locale === "zh-CN" ? "zh-CN" : "en" })
      .catch(() => null);
    if (file) {
      saveFile(file.blob, file.filename);
    }
  }

  function addToCart(product: Product) {
    cart.add(product);
    setNotice(t("added", { name: product.name }));
  }

  return (
    <section>
      <PageHeading
        actions={
          isAdmin && (
            <div className="flex flex-wrap gap-2">
              <Button variant="secondary" disabled={exportCsv.isPending} onClick={() => void download()}>
                {t("exportCsv")}
              </Button>
              <Button variant="secondary" onClick={() => setDialog({ kind: "import" })}>
                {t("importFile")}
              </Button>
              <Button onClick={() => setDialog({ kind: "create" })}>{t("create")}</Button>
            </div>
          )
        }
      >
        {t("title")}
      </PageHeading>
      <ProductFilters filters={filters} showStatus={isAdmin} onChange={update} />
      <StatusMessage>{notice}</StatusMessage>
      <ErrorAlert>{exportCsv.error ? errorText(exportCsv.error) : null}</ErrorAlert>
      {products.isPending ? (
        <LoadingState />
      ) : products.isError ? (
        <ErrorState error={products.error} onRetry={() => void products.refetch()} />
      ) : products.data.items.length === 0 ? (
        <EmptyState>{t("empty")}</EmptyState>
      ) : (
        <div className="flex flex-col gap-4" aria-busy={products.isFetching}>
          <ProductTable
            products={products.data.items}
            isAdmin={isAdmin}
            inCart={(id) => cart.cart.find((line) => line.productId === id)?.quantity ?? 0}
            onAddToCart={addToCart}
            onEdit={(product) => setDialog({ kind: "edit", product })}
            onAdjustStock={(product) => setDialog({ kind: "stock", product })}
            onArchive={(product) => setDialog({ kind: "archive", product })}
          />
          <Pagination offset={filters.offset} limit={PAGE_SIZE} total={products.data.total} totalCapped={products.data.total_capped} onChange={(offset) => update({ offset })} />
        </div>
      )}
      {(dialog?.kind === "create" || dialog?.kind === "edit") && (
        <ProductFormDialog
          product={dialog.kind === "edit" ? dialog.product : null}
          onClose={() => setDialog(null)}
          onSaved={setNotice}
        />
      )}
      {dialog?.kind === "import" && <ImportDialog onClose={() => setDialog(null)} onImported={setNotice} />}
      {dialog?.kind === "stock" && (
        <StockDialog product={dialog.product} onClose={() => setDialog(null)} onAdjusted={setNotice} />
      )}
      {dialog?.kind === "archive" && (
        <ArchiveDialog product={dialog.product} onClose={() => setDialog(null)} onArchived={setNotice} />
      )}
    </section>
  );
}
