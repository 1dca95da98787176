/** The dashboard's period of business days, kept in the address like a list's filters. */
import { compactQuery } from "@/lib/addressFilters";
import { daysInRange, isBusinessDate, shiftDate } from "@/lib/dates";

/** The days shown when the address names none: the API's default too. */
export const DEFAULT_PERIOD_DAYS = 30;
/** The periods offered in one choice, each ending today. */
export const PRESET_PERIOD_DAYS = [7, 30, 90] as const;

/** `<input type="date">` values; empty for the default (today, and 29 days before the end). */
export interface PeriodFilters {
  from: string;
  to: string;
}

export interface Period {
  from: string;
  to: string;
}

export function parsePeriodFilters(params: URLSearchParams): PeriodFilters {
  return { from: params.get("from") ?? "", to: params.get("to") ?? "" };
}

export function periodFiltersQuery(filters: PeriodFilters): string {
  return compactQuery({ ...filters });
}

/** The business days shown: those the address names, else the last 30 up to `today`. */
export function periodOf(filters: PeriodFilters, today: string): Period {
  const to = filters.to || today;
  const from = filters.from || (isBusinessDate(to) ? shiftDate(to, 1 - DEFAULT_PERIOD_DAYS) : "");
  return { from, to };
}

/** The preset `period` is, if any: one of PRESET_PERIOD_DAYS days ending today. */
export function presetOf(period: Period, today: string): number | null {
  if (period.to !== today || !isBusinessDate(period.from)) {
    return null;
  }
  const days = daysInRange(period.from, period.to);
  return PRESET_PERIOD_DAYS.find((preset) => preset === days) ?? null;
}

/** The address's filters for the last `days` days up to today; the default period leaves it bare. */
export function presetFilters(days: number, today: string): PeriodFilters {
  return days === DEFAULT_PERIOD_DAYS ? { from: "", to: "" } : { from: shiftDate(today, 1 - days), to: today };
}
