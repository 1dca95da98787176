import createClient from "openapi-fetch";
import { describe, expect, it } from "vitest";

import type { ApiClient } from "@/lib/api/client";
import { asApiError } from "@/lib/api/errors";
import type { paths } from "@/lib/api/schema";

import {
  confirmPasswordReset,
  isDeadResetLink,
  isSignInAfterReset,
  requestPasswordReset,
  resetTokenOf,
  SIGN_IN_AFTER_RESET,
} from "./passwordReset";

/** A client whose every call gets `answer`; `sent` keeps the requests it made. */
function answering(answer: () => Response): { api: ApiClient; sent: Request[] } {
  const sent: Request[] = [];
  const api = createClient<paths>({
    baseUrl: "http://shop.test",
    fetch: async (request: Request) => {
      sent.push(request);
      return answer();
    },
  });
  return { api, sent };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

const ACCEPTED = { detail: "If an active account has this address, a link to reset its password is on its way." };

describe("requestPasswordReset", () => {
  it("asks for a mail to the address", async () => {
    const { api, sent } = answering(() => json(202, ACCEPTED));

    await requestPasswordReset(api, "mei@example.com");

    const [request] = sent;
    expect(request?.method).toBe("POST");
    expect(new URL(request?.url ?? "").pathname).toBe("/api/auth/password-reset");
    expect(await request?.json()).toEqual({ email: "mei@example.com" });
  });

  it("fails with the wait the API asks for when the address or client asked too often", async () => {
    const { api } = answering(() =>
      json(
        429,
        { detail: "Too many password-reset requests", code: "too_many_password_resets", retry_after: 1800 },
        { "Retry-After": "1800" },
      ),
    );

    const error = asApiError(await requestPasswordReset(api, "mei@example.com").catch((e: unknown) => e));

    expect(error.code).toBe("too_many_password_resets");
    expect(error.retryAfter).toBe(1800);
  });

  it("takes the wait from Retry-After when nginx's limit answers", async () => {
    const { api } = answering(() =>
      json(429, { detail: "Too many requests", code: "rate_limited" }, { "Retry-After": "7" }),
    );

    const error = asApiError(await requestPasswordReset(api, "mei@example.com").catch((e: unknown) => e));

    expect(error.code).toBe("rate_limited");
    expect(error.retryAfter).toBe(7);
  });
});

describe("confirmPasswordReset", () => {
  it("sends the link's token with the new password and resolves on 204", async () => {
    const { api, sent } = answering(() => new Response(null, { status: 204 }));

    await confirmPasswordReset(api, "link-token", "a-new-password");

    expect(new URL(sent[0]?.url ?? "").pathname).toBe("/api/auth/password-reset/confirm");
    expect(await sent[0]?.json()).toEqual({ token: "link-token", new_password: "a-new-password" });
  });

  it("tells a dead link from a password the rules refuse", async () => {
    const dead = answering(() =>
      json(400, { detail: "This password-reset link is invalid", code: "invalid_reset_token" }),
    );
    const short = answering(() =>
      json(422, {
        detail: [{ loc: ["body", "new_password"], type: "password_too_short", msg: "Too short", ctx: { min_bytes: 8 } }],
        code: "validation_error",
      }),
    );

    const deadError = asApiError(await confirmPasswordReset(dead.api, "used", "a-new-password").catch((e: unknown) => e));
    const shortError = asApiError(await confirmPasswordReset(short.api, "fresh", "short").catch((e: unknown) => e));

    expect(isDeadResetLink(deadError)).toBe(true);
    expect(isDeadResetLink(shortError)).toBe(false);
    expect(shortError.fieldError("new_password")?.type).toBe("password_too_short");
    expect(isDeadResetLink(null)).toBe(false);
  });
});

describe("resetTokenOf", () => {
  it("reads the token of the mail's link, and nothing from a link without one", () => {
    expect(resetTokenOf(new URLSearchParams("token=Zr8Qm2Vx-K7p_L4"))).toBe("Zr8Qm2Vx-K7p_L4");
    expect(resetTokenOf(new URLSearchParams(""))).toBeNull();
    expect(resetTokenOf(new URLSearchParams("token=%20"))).toBeNull();
  });
});

describe("isSignInAfterReset", () => {
  it("recognises the sign-in address a finished reset goes to", () => {
    expect(isSignInAfterReset(new URL(SIGN_IN_AFTER_RESET, "http://shop.test").searchParams)).toBe(true);
    expect(isSignInAfterReset(new URLSearchParams("next=%2Forders"))).toBe(false);
  });
});
