"use client";

import { useTranslations } from "next-intl";
import { useId } from "react";

import { Button } from "@/components/ui/Button";
import { cellClass } from "@/components/ui/DataTable";
import { useShopFormat } from "@/contexts/shop";
import type { StockProblem } from "@/lib/api/errors";
import { cartLineTotal, MAX_LINE_QUANTITY, type CartLine } from "@/lib/cart";

interface CartLineRowProps {
  line: CartLine;
  stockProblem: StockProblem | undefined;
  unavailable: boolean;
  onQuantity(quantity: number): void;
  onRemove(): void;
}

export function CartLineRow({ line, stockProblem, unavailable, onQuantity, onRemove }: CartLineRowProps) {
  const t = useTranslations("cart");
  const format = useShopFormat();
  const problemId = useId();
  // A shortage the visitor already fixed by lowering the quantity is no longer shown.
  const short = stockProblem !== undefined && line.quantity > stockProblem.available;
  const problem = short
    ? t("stockProblem", { available: stockProblem.available, requested: stockProblem.requested })
    : unavailable
      ? t("unavailable")
      : null;
  return (
    <tr className="border-t border-slate-200">
      <th scope="row" className={`${cellClass()} font-medium`}>
        {line.name}
        <span className="block font-mono text-xs font-normal text-slate-600">{line.sku}</span>
        {problem && (
          <span id={problemId} className="block text-sm font-normal text-red-700">
            {problem}
          </span>
        )}
      </th>
      <td className={cellClass(true)}>{format.money(line.unitPrice)}</td>
      <td className={cellClass()}>
        <input
          type="number"
          min={1}
          max={MAX_LINE_QUANTITY}
          step={1}
          value={line.quantity}
          aria-label={t("quantityLabel", { name: line.name })}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? problemId : undefined}
          onChange={(event) => {
            const quantity = Number.parseInt(event.target.value, 10);
            if (Number.isInteger(quantity) && quantity > 0) {
              onQuantity(quantity);
            }
          }}
          className="min-h-10 w-24 rounded-md border border-slate-300 px-2 py-1 text-right aria-invalid:border-red-600"
        />
      </td>
      <td className={cellClass(true)}>{format.money(cartLineTotal(line))}</td>
      <td className={cellClass()}>
        <Button variant="ghost" aria-label={t("removeLabel", { name: line.name })} onClick={onRemove}>
          {t("remove")}
        </Button>
      </td>
    </tr>
  );
}
