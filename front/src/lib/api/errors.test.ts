import { describe, expect, it } from "vitest";

import { createApiClient, unwrap } from "./client";
import { ApiError, NETWORK_ERROR, UNEXPECTED_RESPONSE, toApiError } from "./errors";
import { AuthSession } from "./session";

describe("toApiError", () => {
  it("keeps the code and message of a plain error body", () => {
    const error = toApiError(401, { detail: "Incorrect username or password", code: "invalid_credentials" });

    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(401);
    expect(error.code).toBe("invalid_credentials");
    expect(error.message).toBe("Incorrect username or password");
    expect(error.fieldErrors).toEqual([]);
  });

  it("maps a 422's pydantic errors to field errors by path", () => {
    const error = toApiError(422, {
      code: "validation_error",
      detail: [
        {
          type: "password_too_short",
          loc: ["body", "password"],
          msg: "Password must be at least 8 bytes",
          ctx: { min_bytes: 8 },
        },
        { type: "greater_than_equal", loc: ["body", "items", 0, "quantity"], msg: "Input should be greater than or equal to 1" },
        { type: "missing", loc: ["query", "limit"], msg: "Field required" },
      ],
    });

    expect(error.code).toBe("validation_error");
    expect(error.fieldError("password")).toEqual({
      field: "password",
      type: "password_too_short",
      message: "Password must be at least 8 bytes",
      context: { min_bytes: 8 },
    });
    expect(error.fieldError("items.0.quantity")?.type).toBe("greater_than_equal");
    expect(error.fieldError("limit")?.type).toBe("missing");
    expect(error.message).toContain("password: Password must be at least 8 bytes");
  });

  it("lists each short product of a 409 insufficient_stock", () => {
    const error = toApiError(409, {
      detail: "Not enough stock for product 3 (1 available)",
      code: "insufficient_stock",
      items: [
        { product_id: 3, requested: 5, available: 1 },
        { product_id: 7, requested: 2, available: 0 },
      ],
    });

    expect(error.stockProblems).toEqual([
      { productId: 3, requested: 5, available: 1 },
      { productId: 7, requested: 2, available: 0 },
    ]);
    expect(error.stockProblem(7)).toEqual({ productId: 7, requested: 2, available: 0 });
    expect(error.stockProblem(4)).toBeUndefined();
  });

  it("reads how long a throttled sign-in must wait, from the body or the header", () => {
    const fromBody = toApiError(429, {
      detail: "Too many failed sign-in attempts; try again later",
      code: "too_many_login_attempts",
      retry_after: 840,
    });
    const fromHeader = toApiError(
      429,
      { detail: "Too many requests, slow down", code: "rate_limited" },
      new Headers({ "Retry-After": "12" }),
    );

    expect(fromBody.retryAfter).toBe(840);
    expect(fromHeader.retryAfter).toBe(12);
  });

  it("names the products a 422 products_unavailable refuses", () => {
    const error = toApiError(422, {
      detail: "These products can't be ordered: 4, 9",
      code: "products_unavailable",
      product_ids: [4, 9],
    });

    expect(error.productIds).toEqual([4, 9]);
  });

  it("turns a body that is not the API's (a proxy's HTML page) into unexpected_response", () => {
    const error = toApiError(502, undefined);

    expect(error.code).toBe(UNEXPECTED_RESPONSE);
    expect(error.status).toBe(502);
  });
});

describe("unwrap", () => {
  const ORIGIN = "http://shop.test";

  function clientAnswering(answer: (request: Request) => Promise<Response>) {
    const session = new AuthSession({ baseUrl: ORIGIN, fetch: answer });
    return createApiClient(session, ORIGIN);
  }

  it("returns the data of a successful call", async () => {
    const client = clientAnswering(async () =>
      Response.json({ status: "ok", database: "ok" }, { status: 200 }),
    );

    await expect(unwrap(client.GET("/api/health"))).resolves.toEqual({ status: "ok", database: "ok" });
  });

  it("throws the mapped ApiError of a failed call", async () => {
    const client = clientAnswering(async () =>
      Response.json({ detail: "Product not found", code: "product_not_found" }, { status: 404 }),
    );

    await expect(
      unwrap(client.GET("/api/products/{product_id}", { params: { path: { product_id: 1 } } })),
    ).rejects.toMatchObject({ status: 404, code: "product_not_found" });
  });

  it("throws network_error when the request never gets an answer", async () => {
    const client = clientAnswering(async () => {
      throw new TypeError("fetch failed");
    });

    await expect(unwrap(client.GET("/api/health"))).rejects.toMatchObject({
      status: 0,
      code: NETWORK_ERROR,
    });
  });
});
