"use client";

import { useTranslations } from "next-intl";

import { Button } from "@/components/ui/Button";
import { cellClass, DataTable, RecordCard, type Column } from "@/components/ui/DataTable";
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

type ProductRowProps = Omit<ProductTableProps, "products"> & { product: Product };

/** Add to cart (what is on sale), the quantity already in the cart, and the admins' actions. */
function ProductActions({ product, isAdmin, inCart, ...actions }: ProductRowProps) {
  const t = useTranslations("products");
  const quantityInCart = inCart(product.id);
  const orderable = product.status === "active" && product.stock_quantity > 0;
  const adminActions = [
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
  return (
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
      {quantityInCart > 0 && <span className="text-xs text-slate-600">{t("inCart", { count: quantityInCart })}</span>}
      {isAdmin &&
        adminActions.map((action) => (
          <Button key={action.label} variant="ghost" aria-label={action.name} onClick={action.run}>
            {action.label}
          </Button>
        ))}
    </div>
  );
}

/** On a phone, one card per product: name, price, stock and the actions, without scrolling sideways. */
function ProductCard(props: ProductRowProps) {
  const t = useTranslations("products");
  const format = useShopFormat();
  const { product, isAdmin } = props;
  return (
    <RecordCard>
      <div className="flex items-start justify-between gap-2">
        <p className="font-medium text-slate-900">{product.name}</p>
        <p className="font-semibold tabular-nums text-slate-900">{format.money(product.price)}</p>
      </div>
      {product.description && <p className="mt-1 text-xs text-slate-600">{product.description}</p>}
      <p className="mt-1 text-slate-600">
        <span className="font-mono text-xs">{product.sku}</span>
        {" · "}
        {product.stock_quantity > 0 ? t("inStock", { count: product.stock_quantity }) : t("outOfStock")}
        {isAdmin && ` · ${t(`statuses.${product.status}`)}`}
      </p>
      <div className="mt-2">
        <ProductActions {...props} />
      </div>
    </RecordCard>
  );
}

/** The catalogue, as cards on a phone; the admins' actions only for admins. */
export function ProductTable({ products, ...props }: ProductTableProps) {
  const t = useTranslations("products");
  const format = useShopFormat();

  const columns: Column[] = [
    { label: t("columns.name") },
    { label: t("columns.sku") },
    { label: t("columns.price"), numeric: true },
    { label: t("columns.stock"), numeric: true },
    ...(props.isAdmin ? [{ label: t("columns.status") }] : []),
    { label: t("columns.actions") },
  ];

  return (
    <DataTable
      caption={t("title")}
      columns={columns}
      minWidthRem={40}
      cards={products.map((product) => (
        <ProductCard key={product.id} product={product} {...props} />
      ))}
    >
      {products.map((product) => (
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
          {props.isAdmin && <td className={cellClass()}>{t(`statuses.${product.status}`)}</td>}
          <td className={cellClass()}>
            <ProductActions product={product} {...props} />
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
