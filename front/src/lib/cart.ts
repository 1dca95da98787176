/** The cart: pure functions over an immutable list of lines, stored per user in localStorage. */
import { lineTotal, sumMoney, type MoneyString } from "./money";

export interface CartLine {
  productId: number;
  name: string;
  sku: string;
  /** The price when added; the order is placed at the API's current price. */
  unitPrice: MoneyString;
  quantity: number;
}

export type Cart = readonly CartLine[];

/** The API's limit for one line (server/app/orders/schemas.py). */
export const MAX_LINE_QUANTITY = 100_000;

export interface CartProduct {
  id: number;
  name: string;
  sku: string;
  price: MoneyString;
}

function clampQuantity(quantity: number): number {
  return Math.min(MAX_LINE_QUANTITY, Math.max(0, Math.trunc(quantity)));
}

export function addToCart(cart: Cart, product: CartProduct, quantity = 1): Cart {
  const existing = cart.find((line) => line.productId === product.id);
  if (!existing) {
    const line = {
      productId: product.id,
      name: product.name,
      sku: product.sku,
      unitPrice: product.price,
      quantity: clampQuantity(quantity),
    };
    return line.quantity > 0 ? [...cart, line] : cart;
  }
  return setQuantity(cart, product.id, existing.quantity + quantity);
}

/** A quantity of zero or less removes the line. */
export function setQuantity(cart: Cart, productId: number, quantity: number): Cart {
  const clamped = clampQuantity(quantity);
  if (clamped === 0) {
    return removeFromCart(cart, productId);
  }
  return cart.map((line) => (line.productId === productId ? { ...line, quantity: clamped } : line));
}

export function removeFromCart(cart: Cart, productId: number): Cart {
  return cart.filter((line) => line.productId !== productId);
}

export function cartLineTotal(line: CartLine): MoneyString {
  return lineTotal(line.unitPrice, line.quantity).toFixed(2);
}

export function cartTotal(cart: Cart): MoneyString {
  return sumMoney(cart.map((line) => lineTotal(line.unitPrice, line.quantity)));
}

export function cartCount(cart: Cart): number {
  return cart.reduce((count, line) => count + line.quantity, 0);
}

/** The body of `POST /api/orders`. */
export function orderItems(cart: Cart): { product_id: number; quantity: number }[] {
  return cart.map((line) => ({ product_id: line.productId, quantity: line.quantity }));
}

export function cartStorageKey(userId: number): string {
  return `order_system.cart.${userId}`;
}

const MONEY_PATTERN = /^\d+\.\d{2}$/;

function isCartLine(value: unknown): value is CartLine {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const line = value as Record<string, unknown>;
  return (
    Number.isInteger(line.productId) &&
    typeof line.name === "string" &&
    typeof line.sku === "string" &&
    typeof line.unitPrice === "string" &&
    MONEY_PATTERN.test(line.unitPrice) &&
    Number.isInteger(line.quantity) &&
    (line.quantity as number) > 0
  );
}

/** A cart read back from storage; anything unreadable (an old format, a hand edit) is dropped. */
export function parseStoredCart(raw: string | null): Cart {
  if (!raw) {
    return [];
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter(isCartLine) : [];
  } catch {
    return [];
  }
}
