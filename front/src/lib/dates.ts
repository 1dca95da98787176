/** Dates and times from the API (ISO 8601 instants) for display, and date inputs for queries. */

export function formatDateTime(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function formatDate(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(iso));
}

const DATE_INPUT = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The instant a day of the visitor's calendar starts, from an `<input type="date">` value
 * ("2026-03-01"), `days` later; null for anything else. A day picked as "until" ends where
 * the next one starts, which is how the API's exclusive upper bounds read.
 */
export function dayStartInstant(value: string, days = 0): string | null {
  const match = DATE_INPUT.exec(value);
  if (!match) {
    return null;
  }
  const [, year, month, day] = match.map(Number);
  const start = new Date(year ?? 0, (month ?? 1) - 1, (day ?? 1) + days);
  return Number.isNaN(start.getTime()) ? null : start.toISOString();
}
