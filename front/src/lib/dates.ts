/** Dates and times from the API (ISO 8601 instants) for display, and business dates for queries. */
import { TZDate } from "@date-fns/tz";
import { addDays, differenceInCalendarDays, format, isValid, parseISO } from "date-fns";

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

/**
 * A business date ("2026-12-06") as the visitor's language writes it. It is a day already, on
 * the shop's calendar: formatted as the same day in UTC, no zone moves it.
 */
export function formatBusinessDate(value: string, locale: string, style: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(locale, { ...style, timeZone: "UTC" }).format(new Date(`${value}T00:00:00Z`));
}

const BUSINESS_DATE = /^\d{4}-\d{2}-\d{2}$/;
const BUSINESS_DATE_FORMAT = "yyyy-MM-dd";

/** A business date ("2026-03-01", as `<input type="date">` and the API write it) as a calendar day, or null. */
function calendarDay(value: string): Date | null {
  if (!BUSINESS_DATE.test(value)) {
    return null;
  }
  const day = parseISO(value);
  // parseISO rolls "2026-02-30" over to March: only a date that reads back the same is one.
  return isValid(day) && format(day, BUSINESS_DATE_FORMAT) === value ? day : null;
}

export function isBusinessDate(value: string): boolean {
  return calendarDay(value) !== null;
}

/**
 * The instant (ISO 8601, UTC) the business day `value` starts on the shop's clock, `days`
 * later; null for anything but a date. A day picked as "until" ends where the next one starts,
 * which is how the API's exclusive upper bounds read. TZDate knows the zone's rules: a day of
 * a daylight-saving change starts at its real midnight, never at a fixed offset's.
 */
export function dayStartInstant(value: string, timeZone: string, days = 0): string | null {
  const day = calendarDay(value);
  if (!day) {
    return null;
  }
  const start = new TZDate(day.getFullYear(), day.getMonth(), day.getDate() + days, timeZone);
  return new Date(start.getTime()).toISOString();
}

/** Today's date on the shop's clock, whatever the visitor's own zone: "2026-03-01". */
export function businessToday(timeZone: string, now: Date = new Date()): string {
  return format(new TZDate(now, timeZone), BUSINESS_DATE_FORMAT);
}

/** The business date `days` after `value` (before, when negative). `value` must be a date. */
export function shiftDate(value: string, days: number): string {
  return format(addDays(parseISO(value), days), BUSINESS_DATE_FORMAT);
}

/** The days from `from` to `to`, both included. */
export function daysInRange(from: string, to: string): number {
  return differenceInCalendarDays(parseISO(to), parseISO(from)) + 1;
}

/** The API's longest period for daily figures: a leap year. */
export const MAX_RANGE_DAYS = 366;

export type DateRangeProblem = "invalid" | "reversed" | "tooLong";

/** What is wrong with a period of business dates, as the API would refuse it; null when nothing. */
export function dateRangeProblem(from: string, to: string): DateRangeProblem | null {
  if (!isBusinessDate(from) || !isBusinessDate(to)) {
    return "invalid";
  }
  const days = daysInRange(from, to);
  if (days < 1) {
    return "reversed";
  }
  return days > MAX_RANGE_DAYS ? "tooLong" : null;
}
