import { describe, expect, it } from "vitest";

import {
  MAX_LINE_QUANTITY,
  addToCart,
  cartCount,
  cartLineTotal,
  cartTotal,
  orderItems,
  parseStoredCart,
  setQuantity,
  type Cart,
} from "./cart";

const pen = { id: 1, name: "Pen", sku: "PEN-1", price: "0.10" };
const ink = { id: 2, name: "Ink", sku: "INK-1", price: "0.20" };
const desk = { id: 3, name: "Desk", sku: "DESK-1", price: "19.99" };

describe("cart totals", () => {
  it("adds decimal strings exactly, where floats would not", () => {
    const cart = addToCart(addToCart([], pen), ink);

    expect(0.1 + 0.2).not.toBe(0.3);
    expect(cartTotal(cart)).toBe("0.30");
  });

  it("multiplies prices by quantities without rounding errors", () => {
    const cart = setQuantity(addToCart([], desk), desk.id, 3);

    expect(cartLineTotal(cart[0]!)).toBe("59.97");
    expect(cartTotal(addToCart(cart, pen, 7))).toBe("60.67");
  });

  it("keeps large totals exact", () => {
    const cart = setQuantity(addToCart([], { ...desk, price: "99999999.99" }), desk.id, MAX_LINE_QUANTITY);

    expect(cartTotal(cart)).toBe("9999999999000.00");
  });

  it("totals an empty cart as zero", () => {
    expect(cartTotal([])).toBe("0.00");
  });
});

describe("cart lines", () => {
  it("adds to an existing line instead of repeating the product", () => {
    const cart = addToCart(addToCart([], pen, 2), pen, 3);

    expect(cart).toHaveLength(1);
    expect(cart[0]?.quantity).toBe(5);
    expect(cartCount(addToCart(cart, ink))).toBe(6);
  });

  it("removes a line set to zero and caps quantities at the API's limit", () => {
    const cart = addToCart(addToCart([], pen), ink);

    expect(setQuantity(cart, pen.id, 0).map((line) => line.productId)).toEqual([ink.id]);
    expect(setQuantity(cart, ink.id, MAX_LINE_QUANTITY + 5)[1]?.quantity).toBe(MAX_LINE_QUANTITY);
  });

  it("becomes the body of POST /api/orders", () => {
    const cart = setQuantity(addToCart(addToCart([], pen), desk), desk.id, 2);

    expect(orderItems(cart)).toEqual([
      { product_id: 1, quantity: 1 },
      { product_id: 3, quantity: 2 },
    ]);
  });
});

describe("stored carts", () => {
  it("reads back what was stored", () => {
    const cart: Cart = addToCart([], desk, 2);

    expect(parseStoredCart(JSON.stringify(cart))).toEqual(cart);
  });

  it("drops what it cannot trust", () => {
    const stored = JSON.stringify([
      { productId: 1, name: "Pen", sku: "PEN-1", unitPrice: "0.10", quantity: 1 },
      { productId: 2, name: "Ink", sku: "INK-1", unitPrice: 0.2, quantity: 1 },
      { productId: 3, name: "Desk", sku: "DESK-1", unitPrice: "19.99", quantity: -1 },
    ]);

    expect(parseStoredCart(stored).map((line) => line.productId)).toEqual([1]);
    expect(parseStoredCart("{not json")).toEqual([]);
    expect(parseStoredCart(null)).toEqual([]);
  });
});
