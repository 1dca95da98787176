"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";

import { ME_QUERY_KEY, useApi, useAuth } from "@/contexts/auth";
import { unwrap, type Schemas } from "@/lib/api/client";

export type ProfileChanges = Schemas["UserUpdateMe"];

export function useUpdateProfile() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (changes: ProfileChanges) => unwrap(api.PATCH("/api/users/me", { body: changes })),
    onSuccess: (user) => queryClient.setQueryData(ME_QUERY_KEY, user),
  });
}

export interface PasswordChange {
  username: string;
  currentPassword: string;
  newPassword: string;
}

/**
 * Changes the password, then signs in again with the new one: the API ends every session of
 * the account, this tab's too (refresh tokens revoked, access tokens refused from then on), so
 * the session would otherwise end at its next request.
 * Resolves to whether that sign-in worked.
 */
export function useChangePassword() {
  const api = useApi();
  const { signIn } = useAuth();
  return useMutation({
    mutationFn: async ({ username, currentPassword, newPassword }: PasswordChange) => {
      await unwrap(
        api.POST("/api/users/me/password", {
          body: { current_password: currentPassword, new_password: newPassword },
        }),
      );
      return signIn(username, newPassword).then(
        () => true,
        () => false,
      );
    },
  });
}
