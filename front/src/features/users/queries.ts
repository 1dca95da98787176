"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { useApi } from "@/contexts/auth";
import { unwrap, type Schemas } from "@/lib/api/client";
import type { UserRole } from "@/lib/api/enums";
import { pageQuery, useInvalidatingMutation } from "@/lib/queries";

export type User = Schemas["UserPublic"];
export type UserCreate = Schemas["UserCreate"];
export type UserUpdate = Schemas["UserUpdate"];

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
            query: { ...pageQuery(query), role: query.role ?? undefined, sort: "username" },
          },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** A new account (no id yet) or changes to an existing one. */
export type UserSave = { id: null; body: UserCreate } | { id: number; body: UserUpdate };

// After a change every query under USERS_KEY is refetched: lists, lookups by username and the
// cached names on orders all read users.
export function useSaveUser() {
  const api = useApi();
  return useInvalidatingMutation(USERS_KEY, (save: UserSave) =>
    save.id === null
      ? unwrap(api.POST("/api/users", { body: save.body }))
      : unwrap(api.PATCH("/api/users/{user_id}", { params: { path: { user_id: save.id } }, body: save.body })),
  );
}

/** Deletes an account; the API refuses one with orders (`user_has_orders`): deactivate it instead. */
export function useDeleteUser() {
  const api = useApi();
  return useInvalidatingMutation(USERS_KEY, (id: number) =>
    unwrap(api.DELETE("/api/users/{user_id}", { params: { path: { user_id: id } } })),
  );
}
