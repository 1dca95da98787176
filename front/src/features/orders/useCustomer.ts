"use client";

import { useQuery } from "@tanstack/react-query";

import { useApi } from "@/contexts/auth";
import { unwrap } from "@/lib/api/client";

// The API's largest page: a username search matching more is narrowed by typing more.
const SEARCH_LIMIT = 100;

export interface CustomerLookup {
  /** The id of the user called exactly `username` (any case), once found. */
  userId: number | null;
  notFound: boolean;
  isPending: boolean;
  error: unknown;
}

/** The account called exactly `username`, in any case, among a search's results. */
export function exactUsername<T extends { username: string }>(users: readonly T[], username: string): T | undefined {
  const wanted = username.trim().toLowerCase();
  return users.find((user) => user.username.toLowerCase() === wanted);
}

/** The user behind a username typed as an order filter (admins); the API filters by id. */
export function useCustomer(username: string): CustomerLookup {
  const api = useApi();
  const wanted = username.trim();
  const search = useQuery({
    queryKey: ["users", "byUsername", wanted.toLowerCase()],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/users", { params: { query: { search: wanted, limit: SEARCH_LIMIT } }, signal })),
    enabled: wanted !== "",
    staleTime: 60_000,
  });
  if (wanted === "") {
    return { userId: null, notFound: false, isPending: false, error: null };
  }
  const match = search.data && exactUsername(search.data.items, wanted);
  return {
    userId: match?.id ?? null,
    notFound: search.isSuccess && !match,
    isPending: search.isPending,
    error: search.error,
  };
}
