"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";

import { PageHeading } from "@/components/layout/PageHeading";
import { StatusMessage } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { Pagination } from "@/components/ui/Pagination";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { useAuth } from "@/contexts/auth";
import { useCart } from "@/contexts/cart";
import { PAGE_SIZE } from "@/lib/queries";
import { useDebouncedValue } from "@/lib/useDebouncedValue";

import { ArchiveDialog } from "./ArchiveDialog";
import { ProductFilters } from "./ProductFilters";
import { ProductFormDialog } from "./ProductFormDialog";
import { ProductTable } from "./ProductTable";
import { useProducts, type Product, type ProductSort, type ProductStatus } from "./queries";
import { StockDialog } from "./StockDialog";

type OpenDialog =
  | { kind: "create" }
  | { kind: "edit" | "stock" | "archive"; product: Product }
  | null;

const SEARCH_DEBOUNCE_MS = 300;

export function ProductsScreen() {
  const t = useTranslations("products");
  const { isAdmin } = useAuth();
  const cart = useCart();
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState<ProductStatus | null>(null);
  const [sort, setSort] = useState<ProductSort>("name");
  const [offset, setOffset] = useState(0);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [notice, setNotice] = useState("");
  const debouncedSearch = useDebouncedValue(search, SEARCH_DEBOUNCE_MS);
  const products = useProducts({ search: debouncedSearch, status, sort, offset });

  function addToCart(product: Product) {
    cart.add(product);
    setNotice(t("added", { name: product.name }));
  }

  return (
    <section>
      <PageHeading
        actions={
          isAdmin && <Button onClick={() => setDialog({ kind: "create" })}>{t("create")}</Button>
        }
      >
        {t("title")}
      </PageHeading>
      <ProductFilters
        search={search}
        status={status}
        sort={sort}
        showStatus={isAdmin}
        onSearch={(value) => {
          setSearch(value);
          setOffset(0);
        }}
        onStatus={(value) => {
          setStatus(value);
          setOffset(0);
        }}
        onSort={(value) => {
          setSort(value);
          setOffset(0);
        }}
      />
      <StatusMessage>{notice}</StatusMessage>
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
          <Pagination offset={offset} limit={PAGE_SIZE} total={products.data.total} onChange={setOffset} />
        </div>
      )}
      {(dialog?.kind === "create" || dialog?.kind === "edit") && (
        <ProductFormDialog
          product={dialog.kind === "edit" ? dialog.product : null}
          onClose={() => setDialog(null)}
          onSaved={setNotice}
        />
      )}
      {dialog?.kind === "stock" && (
        <StockDialog product={dialog.product} onClose={() => setDialog(null)} onAdjusted={setNotice} />
      )}
      {dialog?.kind === "archive" && (
        <ArchiveDialog product={dialog.product} onClose={() => setDialog(null)} onArchived={setNotice} />
      )}
    </section>
  );
}
