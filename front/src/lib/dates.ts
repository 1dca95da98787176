/** Dates and times from the API (ISO 8601 instants) for display, and date inputs for queries. */

// Latin digits and a 24-hour clock, whatever the visitor's language: the parts are joined below.
const DATE_TIME_PARTS = {
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  numberingSystem: "latn",
} as const;

/**
 * An instant on the shop's clock, labelled with its time zone (an IANA name), the same in
 * every language: "2026-12-06 20:15 (Asia/Shanghai)". Staff and customers in other zones read
 * the time the shop's order numbers and daily figures go by.
 */
export function formatDateTime(iso: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { ...DATE_TIME_PARTS, timeZone })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} (${timeZone})`;
}

/** The day of an instant on the shop's clock, in the visitor's language. */
export function formatDate(iso: string, { locale, timeZone }: { locale: string; timeZone: string }): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone }).format(new Date(iso));
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
