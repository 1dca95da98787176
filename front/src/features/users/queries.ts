"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { useApi } from "@/contexts/auth";
import { unwrap, type Schemas } from "@/lib/api/client";

import type { UserRole } from "./rules";

export type User = Schemas["UserPublic"];
export type UserCreate = Schemas["UserCreate"];
export type UserUpdate = Schemas["UserUpdate"];

export const PAGE_SIZE = 20;

export interface UserListQuery {
  search: string;
  role: UserRole | null;
  offset: number;
}

const USERS_KEY = ["users"] as const;

export function useUsers(query: UserListQuery) {
  const api = useApi();
  return useQuery({
    queryKey: [...USERS_KEY, "list", query],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/users", {
          params: {
            query: {
              search: query.search.trim() || undefined,
              role: query.role ?? undefined,
              sort: "username",
              limit: PAGE_SIZE,
              offset: query.offset,
            },
          },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** A new account (no id yet) or changes to an existing one. */
export type UserSave = { id: null; body: UserCreate } | { id: number; body: UserUpdate };

export function useSaveUser() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (save: UserSave) =>
      save.id === null
        ? unwrap(api.POST("/api/users", { body: save.body }))
        : unwrap(api.PATCH("/api/users/{user_id}", { params: { path: { user_id: save.id } }, body: save.body })),
    // Lists, lookups by username and the cached names on orders all read users.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: USERS_KEY }),
  });
}
