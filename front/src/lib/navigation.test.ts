import { describe, expect, it } from "vitest";

import { safeNextPath, signInPath } from "./navigation";

describe("safeNextPath", () => {
  it("returns to a path on this site", () => {
    expect(safeNextPath("/cart?x=1")).toBe("/cart?x=1");
  });

  it("refuses anything that leaves the site", () => {
    expect(safeNextPath("https://evil.test/")).toBe("/products");
    expect(safeNextPath("//evil.test/")).toBe("/products");
    expect(safeNextPath("/\\evil.test")).toBe("/products");
    expect(safeNextPath(null)).toBe("/products");
  });

  it("round-trips through the sign-in link", () => {
    const next = new URL(signInPath("/orders/7?tab=items"), "http://shop.test").searchParams.get("next");
    expect(safeNextPath(next)).toBe("/orders/7?tab=items");
  });
});
