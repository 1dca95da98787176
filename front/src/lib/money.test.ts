import { describe, expect, it } from "vitest";

import { formatMoney } from "./money";

describe("formatMoney", () => {
  it("writes the shop's currency as each language does", () => {
    expect(formatMoney("1234567.89", { locale: "en", currency: "CNY" })).toBe("CN¥1,234,567.89");
    expect(formatMoney("1234567.89", { locale: "zh-CN", currency: "CNY" })).toBe("¥1,234,567.89");
    expect(formatMoney("19.90", { locale: "en", currency: "EUR" })).toBe("€19.90");
    expect(formatMoney("19.90", { locale: "zh-CN", currency: "USD" })).toBe("US$19.90");
  });

  it("formats the exact decimal string, beyond a float's precision", () => {
    expect(formatMoney("9999999999999.99", { locale: "en", currency: "CNY" })).toBe("CN¥9,999,999,999,999.99");
  });

  it("keeps two decimals for whole amounts", () => {
    expect(formatMoney("5", { locale: "zh-CN", currency: "CNY" })).toBe("¥5.00");
  });
});
