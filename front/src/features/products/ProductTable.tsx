"use client";

import { useTranslations } from "next-intl";

import { Button } from "@/components/ui/Button";
import { cellClass, DataTable, type Column } from "@/components/ui/DataTable";
import { useShopFormat } from "@/contexts/shop";

import type { Product } from "./queries";

interface ProductTableProps {
  products: readonly Product[];
  isAdmin: boolean;
  inCart(productId: number): number;
  onAddToCart(product: Product): void;
  onEdit(product: Product): void;
  onAdjustStock(product: Product): void;
  onArchive(product: Product): void;
}

export function ProductTable({ products, isAdmin, inCart, ...actions }: ProductTableProps) {
  const t = useTranslations("products");
  const format = useShopFormat();

  const adminActions = (product: Product) => [
    { label: t("edit"), name: t("editLabel", { name: product.name }), run: () => actions.onEdit(product) },
    {
      label: t("adjustStock"),
      name: t("adjustStockLabel", { name: product.name }),
      run: () => actions.onAdjustStock(product),
    },
    // Archived products stay for the orders that name them; there is nothing more to remove.
    ...(product.status === "archived"
      ? []
      : [{ label: t("delete"), name: t("deleteLabel", { name: product.name }), run: () => actions.onArchive(product) }]),
  ];

  const columns: Column[] = [
    { label: t("columns.name") },
    { label: t("columns.sku") },
    { label: t("columns.price"), numeric: true },
    { label: t("columns.stock"), numeric: true },
    ...(isAdmin ? [{ label: t("columns.status") }] : []),
    { label: t("columns.actions") },
  ];

  return (
    <DataTable caption={t("title")} columns={columns} minWidthRem={40}>
      {products.map((product) => {
        const quantityInCart = inCart(product.id);
        const orderable = product.status === "active" && product.stock_quantity > 0;
        return (
          <tr key={product.id} className="border-t border-slate-200">
            <th scope="row" className={`${cellClass()} font-medium`}>
              {product.name}
              {product.description && (
                <span className="block text-xs font-normal text-slate-600">{product.description}</span>
              )}
            </th>
            <td className={`${cellClass()} font-mono text-xs`}>{product.sku}</td>
            <td className={cellClass(true)}>{format.money(product.price)}</td>
            <td className={cellClass(true)}>
              {product.stock_quantity > 0 ? product.stock_quantity : t("outOfStock")}
            </td>
            {isAdmin && <td className={cellClass()}>{t(`statuses.${product.status}`)}</td>}
            <td className={cellClass()}>
              <div className="flex flex-wrap items-center gap-2">
                {product.status === "active" && (
                  <Button
                    variant="secondary"
                    disabled={!orderable}
                    aria-label={t("addToCartLabel", { name: product.name })}
                    onClick={() => actions.onAddToCart(product)}
                  >
                    {t("addToCart")}
                  </Button>
                )}
                {quantityInCart > 0 && (
                  <span className="text-xs text-slate-600">{t("inCart", { count: quantityInCart })}</span>
                )}
                {isAdmin &&
                  adminActions(product).map((action) => (
                    <Button key={action.label} variant="ghost" aria-label={action.name} onClick={action.run}>
                      {action.label}
                    </Button>
                  ))}
              </div>
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}
