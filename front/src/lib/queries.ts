"use client";

import { useMutation, useQueryClient, type QueryKey } from "@tanstack/react-query";

/** Rows on one page of every paginated list. */
export const PAGE_SIZE = 20;

/** The API's search, limit and offset parameters for one page of a searchable list. */
export function pageQuery({ search, offset }: { search: string; offset: number }) {
  return { search: search.trim() || undefined, limit: PAGE_SIZE, offset };
}

/** A mutation after which every query under `key` is refetched. */
export function useInvalidatingMutation<Input, Output>(key: QueryKey, mutationFn: (input: Input) => Promise<Output>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
}
