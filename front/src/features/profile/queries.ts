"use client";

import { useMutation } from "@tanstack/react-query";

import { useApi, useAuth } from "@/contexts/auth";
import { unwrap } from "@/lib/api/client";

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
