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
  const match = search.data?.items.find((user) => user.username.toLowerCase() === wanted.toLowerCase());
  return {
    userId: match?.id ?? null,
    notFound: search.isSuccess && !match,
    isPending: search.isPending,
    error: search.error,
  };
}
