"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef } from "react";

/** `value` when it is one of `allowed`, else null: an address can hold anything. */
export function oneOf<T extends string>(allowed: readonly T[], value: string | null): T | null {
  return allowed.find((option) => option === value) ?? null;
}

/** The list offset in the address: a positive whole number, else the first page. */
export function parseOffset(params: URLSearchParams): number {
  const offset = params.get("offset") ?? "";
  return /^\d+$/.test(offset) ? Number(offset) : 0;
}

/** A query string of the entries that hold something: defaults stay out of the address. */
export function compactQuery(entries: Record<string, string | number | null>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(entries)) {
    if (value !== null && value !== "" && value !== 0) {
      params.set(name, String(value));
    }
  }
  return params.toString();
}

interface AddressFilters<Filters> {
  /** The screen's path, e.g. "/orders". */
  path: string;
  /** Module-level functions: `parse` must keep its identity across renders. */
  parse(params: URLSearchParams): Filters;
  toQuery(filters: Filters): string;
}

/**
 * A screen's filters kept in the address, so that reload, back and forward and links keep them.
 * On a paged list (filters with an `offset`) `update` starts again at the first page unless it
 * sets the offset itself.
 */
export function useAddressFilters<Filters extends object>({ path, parse, toQuery }: AddressFilters<Filters>) {
  const router = useRouter();
  const searchParams = useSearchParams();
  const filters = useMemo(() => parse(searchParams), [parse, searchParams]);

  // The filters last asked for: two changes in a row (from, then until) both apply, even
  // before the address has caught up with the first.
  const requested = useRef(filters);
  useEffect(() => {
    requested.current = filters;
  }, [filters]);

  const update = useCallback(
    (changes: Partial<Filters>) => {
      const firstPage = "offset" in requested.current ? { offset: 0 } : {};
      const next = { ...requested.current, ...firstPage, ...changes };
      requested.current = next;
      const query = toQuery(next);
      router.replace(query ? `${path}?${query}` : path, { scroll: false });
    },
    [path, toQuery, router],
  );

  return { filters, update };
}
