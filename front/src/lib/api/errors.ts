/**
 * Every API error body is `{detail, code, ...}` (server/app/core/errors.py). `ApiError` carries
 * what a screen needs to show it: the machine code to translate, the field errors of a 422 and
 * the per-product shortages of a 409 `insufficient_stock`.
 */

/** One field's problem in a 422 `validation_error`, keyed by its path without `body`/`query`. */
export interface FieldError {
  field: string;
  /** Pydantic's error type, e.g. `string_too_short`, `password_too_short`: translatable. */
  type: string;
  message: string;
  context: Record<string, unknown>;
}

/** One product the stock could not cover, from a 409 `insufficient_stock`. */
export interface StockProblem {
  productId: number;
  requested: number;
  available: number;
}

/** Codes the client itself produces, when no API answer could be read. */
export const NETWORK_ERROR = "network_error";
export const UNEXPECTED_RESPONSE = "unexpected_response";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fieldErrors: readonly FieldError[];
  readonly stockProblems: readonly StockProblem[];
  /** Seconds to wait, from a 429's `retry_after` or `Retry-After`. */
  readonly retryAfter: number | null;
  /** Products a 422 `products_unavailable` names. */
  readonly productIds: readonly number[];

  constructor(init: {
    status: number;
    code: string;
    message: string;
    fieldErrors?: readonly FieldError[];
    stockProblems?: readonly StockProblem[];
    retryAfter?: number | null;
    productIds?: readonly number[];
  }) {
    super(init.message);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.fieldErrors = init.fieldErrors ?? [];
    this.stockProblems = init.stockProblems ?? [];
    this.retryAfter = init.retryAfter ?? null;
    this.productIds = init.productIds ?? [];
  }

  /** The first error of a field, e.g. `fieldError("price")`. */
  fieldError(field: string): FieldError | undefined {
    return this.fieldErrors.find((error) => error.field === field);
  }

  stockProblem(productId: number): StockProblem | undefined {
    return this.stockProblems.find((problem) => problem.productId === productId);
  }
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

// `loc` is e.g. ["body", "items", 0, "quantity"]; the field is what follows the location kind.
const LOCATION_KINDS = new Set(["body", "query", "path", "header", "cookie"]);

function toFieldError(item: unknown): FieldError | null {
  if (!isObject(item) || !Array.isArray(item.loc)) {
    return null;
  }
  const path = item.loc.filter((part): part is string | number =>
    typeof part === "string" || typeof part === "number",
  );
  const [first, ...rest] = path;
  const fieldPath = typeof first === "string" && LOCATION_KINDS.has(first) ? rest : path;
  return {
    field: fieldPath.join("."),
    type: typeof item.type === "string" ? item.type : "value_error",
    message: typeof item.msg === "string" ? item.msg : "",
    context: isObject(item.ctx) ? item.ctx : {},
  };
}

function toStockProblem(item: unknown): StockProblem | null {
  if (!isObject(item)) {
    return null;
  }
  const { product_id: productId, requested, available } = item;
  if (!isInteger(productId) || !isInteger(requested) || !isInteger(available)) {
    return null;
  }
  return { productId, requested, available };
}

function retryAfterSeconds(body: JsonObject, headers: Headers | undefined): number | null {
  if (isInteger(body.retry_after)) {
    return body.retry_after;
  }
  const header = headers?.get("Retry-After");
  const seconds = header ? Number.parseInt(header, 10) : Number.NaN;
  return Number.isNaN(seconds) ? null : seconds;
}

function present<T>(value: T | null): value is T {
  return value !== null;
}

/** The `ApiError` for a response that failed with `status` and the parsed JSON `body`. */
export function toApiError(status: number, body: unknown, headers?: Headers): ApiError {
  if (!isObject(body) || typeof body.code !== "string") {
    return new ApiError({
      status,
      code: UNEXPECTED_RESPONSE,
      message: `Unexpected response (HTTP ${status})`,
      retryAfter: isObject(body) ? retryAfterSeconds(body, headers) : null,
    });
  }
  const fieldErrors = Array.isArray(body.detail)
    ? body.detail.map(toFieldError).filter(present)
    : [];
  const message =
    typeof body.detail === "string"
      ? body.detail
      : fieldErrors.map((error) => `${error.field}: ${error.message}`).join("; ") || body.code;
  return new ApiError({
    status,
    code: body.code,
    message,
    fieldErrors,
    stockProblems: Array.isArray(body.items) ? body.items.map(toStockProblem).filter(present) : [],
    retryAfter: retryAfterSeconds(body, headers),
    productIds: Array.isArray(body.product_ids) ? body.product_ids.filter(isInteger) : [],
  });
}

/** Any thrown value as an `ApiError`: a failed fetch becomes `network_error`. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) {
    return error;
  }
  return new ApiError({
    status: 0,
    code: NETWORK_ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
