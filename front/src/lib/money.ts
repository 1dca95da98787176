/**
 * Money arrives as decimal strings ("19.90") and is added up with big.js, never as floats,
 * so 0.10 + 0.20 is 0.30 and a total matches the one the API computes.
 */
import Big from "big.js";

export type MoneyString = string;

export function lineTotal(unitPrice: MoneyString, quantity: number): Big {
  return new Big(unitPrice).times(quantity);
}

/** The sum as the API writes amounts: exactly two decimals. */
export function sumMoney(amounts: readonly Big[]): MoneyString {
  return amounts.reduce((total, amount) => total.plus(amount), new Big(0)).toFixed(2);
}

/** An amount for display in `locale`, in the shop's `currency` (ISO 4217), from its exact decimal string. */
export function formatMoney(amount: MoneyString, { locale, currency }: { locale: string; currency: string }): string {
  const formatter = new Intl.NumberFormat(locale, { style: "currency", currency });
  // Intl formats decimal strings exactly (no float on the way), as ES2023 specifies.
  return formatter.format(amount as `${number}`);
}
