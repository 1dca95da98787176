import { describe, expect, it } from "vitest";

import { ApiError, type ApiErrorCode, NETWORK_ERROR } from "./errors";
import { shouldRetry } from "./retry";

const error = (status: number, code: ApiErrorCode) => new ApiError({ status, code, message: code });

describe("shouldRetry", () => {
  it("retries a lost connection and a server failure, twice at most", () => {
    expect(shouldRetry(0, error(0, NETWORK_ERROR))).toBe(true);
    expect(shouldRetry(1, error(503, "database_unavailable"))).toBe(true);
    expect(shouldRetry(2, error(503, "database_unavailable"))).toBe(false);
  });

  it("never retries what the API refused", () => {
    expect(shouldRetry(0, error(404, "product_not_found"))).toBe(false);
    expect(shouldRetry(0, error(422, "validation_error"))).toBe(false);
    expect(shouldRetry(0, error(409, "insufficient_stock"))).toBe(false);
  });
});
