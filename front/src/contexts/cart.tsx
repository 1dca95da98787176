"use client";

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { v4 as uuidv4 } from "uuid";

import {
  addToCart,
  cartCount,
  cartStorageKey,
  cartTotal,
  parseStoredCart,
  removeFromCart,
  setQuantity,
  type Cart,
  type CartProduct,
} from "@/lib/cart";
import type { MoneyString } from "@/lib/money";

import { useAuth } from "./auth";

interface CartContextValue {
  cart: Cart;
  count: number;
  total: MoneyString;
  add(product: CartProduct, quantity?: number): void;
  setQuantity(productId: number, quantity: number): void;
  remove(productId: number): void;
  /**
   * The Idempotency-Key for ordering the cart as it is: made once, kept (across reloads)
   * until the order succeeds or the cart changes, so a retry never orders twice.
   */
  checkoutKey(): string;
  /** The order went through: empty the cart and forget its key. */
  checkedOut(): void;
}

const CartContext = createContext<CartContextValue | null>(null);

const checkoutKeyStorageKey = (userId: number) => `${cartStorageKey(userId)}.checkout-key`;

function readStorage(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage disabled: the cart lives for this page only
  }
}

function writeStorage(key: string, value: string | null): void {
  try {
    if (value === null) {
      window.localStorage.removeItem(key);
    } else {
      window.localStorage.setItem(key, value);
    }
  } catch {
    // Storage full or disabled: the in-memory cart still works.
  }
}

export function CartProvider({ children }: { children: ReactNode }) {
  const userId = useAuth().user?.id ?? null;
  const [loaded, setLoaded] = useState<{ userId: number | null; cart: Cart }>({ userId: null, cart: [] });

  // Each user has their own cart; switching accounts in a browser swaps them.
  if (loaded.userId !== userId) {
    setLoaded({ userId, cart: userId === null ? [] : parseStoredCart(readStorage(cartStorageKey(userId))) });
  }
  const cart = loaded.cart;

  useEffect(() => {
    if (userId === null) {
      return undefined;
    }
    // Another tab changed this user's cart.
    const onStorage = (event: StorageEvent) => {
      if (event.key === cartStorageKey(userId)) {
        setLoaded({ userId, cart: parseStoredCart(event.newValue) });
      }
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, [userId]);

  const update = useCallback(
    (change: (current: Cart) => Cart) => {
      if (userId === null) {
        return;
      }
      setLoaded((current) => {
        const next = change(current.cart);
        writeStorage(cartStorageKey(userId), JSON.stringify(next));
        // A different cart is a different order: its key must not be reused.
        writeStorage(checkoutKeyStorageKey(userId), null);
        return { userId, cart: next };
      });
    },
    [userId],
  );

  const checkoutKey = useCallback(() => {
    const storageKey = checkoutKeyStorageKey(userId ?? 0);
    const existing = readStorage(storageKey);
    if (existing) {
      return existing;
    }
    const created = uuidv4();
    writeStorage(storageKey, created);
    return created;
  }, [userId]);

  const value = useMemo<CartContextValue>(
    () => ({
      cart,
      count: cartCount(cart),
      total: cartTotal(cart),
      add: (product, quantity = 1) => update((current) => addToCart(current, product, quantity)),
      setQuantity: (productId, quantity) =>
        update((current) => setQuantity(current, productId, quantity)),
      remove: (productId) => update((current) => removeFromCart(current, productId)),
      checkoutKey,
      checkedOut: () => update(() => []),
    }),
    [cart, update, checkoutKey],
  );
  return <CartContext.Provider value={value}>{children}</CartContext.Provider>;
}

export function useCart(): CartContextValue {
  const value = useContext(CartContext);
  if (!value) {
    throw new Error("useCart needs a <CartProvider>");
  }
  return value;
}
