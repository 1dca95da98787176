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

function useUsersMutation<Input>(mutationFn: (input: Input) => Promise<User>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn,
    // Lists, lookups by username and the cached names on orders all read users.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: USERS_KEY }),
  });
}

export function useCreateUser() {
  const api = useApi();
  return useUsersMutation((body: UserCreate) => unwrap(api.POST("/api/users", { body })));
}

export function useUpdateUser() {
  const api = useApi();
  return useUsersMutation(({ id, changes }: { id: number; changes: UserUpdate }) =>
    unwrap(api.PATCH("/api/users/{user_id}", { params: { path: { user_id: id } }, body: changes })),
  );
}
