/**
 * Every API error body is `{detail, code, ...}` (server/app/core/errors.py), each code's typed in
 * the generated schema. `ApiError` carries what a screen needs to show it: the machine code to
 * translate, the field errors of a 422 and the per-product shortages of a 409 `insufficient_stock`.
 */
import type { components } from "./schema";

type Schemas = components["schemas"];
type InvalidField = Schemas["InvalidField"];
type StockShortage = Schemas["StockShortage"];

/** Every error body the API documents: a union discriminated on `code`. A bulk change's
 * refused result (`OrderNotChanged`, with `ok`) carries a code too, but is no error body. */
export type ErrorBody = Exclude<Extract<Schemas[keyof Schemas], { code: string; detail: unknown }>, { ok: boolean }>;

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

export type ApiErrorCode = ErrorBody["code"] | typeof NETWORK_ERROR | typeof UNEXPECTED_RESPONSE;

export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly fieldErrors: readonly FieldError[];
  readonly stockProblems: readonly StockProblem[];
  /** Seconds to wait, from a 429's `retry_after` or `Retry-After`. */
  readonly retryAfter: number | null;
  /** Products a 422 `products_unavailable` names. */
  readonly productIds: readonly number[];

  constructor(init: {
    status: number;
    code: ApiErrorCode;
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

// `loc` is e.g. ["body", "items", 0, "quantity"]; the field is what follows the location kind.
const LOCATION_KINDS = new Set(["body", "query", "path", "header", "cookie"]);

function toFieldError({ loc, type, msg, ctx }: InvalidField): FieldError {
  const [first, ...rest] = loc;
  const fieldPath = typeof first === "string" && LOCATION_KINDS.has(first) ? rest : loc;
  return { field: fieldPath.join("."), type, message: msg, context: ctx ?? {} };
}

function toStockProblem({ product_id: productId, requested, available }: StockShortage): StockProblem {
  return { productId, requested, available };
}

function retryAfterSeconds(body: ErrorBody | null, headers: Headers | undefined): number | null {
  if (body !== null && "retry_after" in body) {
    return body.retry_after;
  }
  const header = headers?.get("Retry-After");
  const seconds = header ? Number.parseInt(header, 10) : Number.NaN;
  return Number.isNaN(seconds) ? null : seconds;
}

/** A body with a string `code` is the API's: its shape is the one the schema gives that code. */
function isErrorBody(body: unknown): body is ErrorBody {
  return typeof body === "object" && body !== null && typeof (body as { code?: unknown }).code === "string";
}

/** The `ApiError` for a response that failed with `status` and the parsed JSON `body`. */
export function toApiError(status: number, body: unknown, headers?: Headers): ApiError {
  if (!isErrorBody(body)) {
    return new ApiError({
      status,
      code: UNEXPECTED_RESPONSE,
      message: `Unexpected response (HTTP ${status})`,
      retryAfter: retryAfterSeconds(null, headers),
    });
  }
  const fieldErrors = body.code === "validation_error" ? body.detail.map(toFieldError) : [];
  const message =
    body.code === "validation_error"
      ? fieldErrors.map((error) => `${error.field}: ${error.message}`).join("; ") || body.code
      : body.detail;
  return new ApiError({
    status,
    code: body.code,
    message,
    fieldErrors,
    stockProblems: body.code === "insufficient_stock" ? body.items.map(toStockProblem) : [],
    retryAfter: retryAfterSeconds(body, headers),
    productIds: body.code === "products_unavailable" ? body.product_ids : [],
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
