import { ApiError, NETWORK_ERROR } from "./errors";

const MAX_RETRIES = 2;

/** Retry what may pass on a second try (no answer, a 5xx); a 4xx would fail the same way. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (failureCount >= MAX_RETRIES) {
    return false;
  }
  return !(error instanceof ApiError) || error.code === NETWORK_ERROR || error.status >= 500;
}
