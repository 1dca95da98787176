import { unwrap, type ApiClient } from "@/lib/api/client";
import type { ApiError } from "@/lib/api/errors";

/** Where a reset ends: the sign-in screen, saying the new password is set. */
export const SIGN_IN_AFTER_RESET = "/login?reset=done";

export function isSignInAfterReset(params: Pick<URLSearchParams, "get">): boolean {
  return params.get("reset") === "done";
}

/** The token of the mail's link (`/reset-password?token=...`); null when there is none. */
export function resetTokenOf(params: Pick<URLSearchParams, "get">): string | null {
  return params.get("token")?.trim() || null;
}

/** A link used, expired, replaced by a newer one or mangled: only a new one helps. */
export function isDeadResetLink(error: ApiError | null): boolean {
  return error?.code === "invalid_reset_token";
}

/** Asks for a reset mail (in the account's language) to the account with this address. */
export async function requestPasswordReset(api: ApiClient, email: string): Promise<void> {
  await unwrap(api.POST("/api/auth/password-reset", { body: { email } }));
}

export async function confirmPasswordReset(api: ApiClient, token: string, newPassword: string): Promise<void> {
  await unwrap(api.POST("/api/auth/password-reset/confirm", { body: { token, new_password: newPassword } }));
}
