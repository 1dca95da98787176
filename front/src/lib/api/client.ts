import createClient, { type Client } from "openapi-fetch";

import { ApiError, UNEXPECTED_RESPONSE, asApiError, toApiError } from "./errors";
import type { components, paths } from "./schema";
import type { AuthSession } from "./session";

export type ApiClient = Client<paths>;
export type Schemas = components["schemas"];

/** The typed API client; every call goes through the session's token handling. */
export function createApiClient(session: AuthSession, baseUrl = ""): ApiClient {
  return createClient<paths>({ baseUrl, fetch: session.fetch });
}

interface CallResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The body of a successful call; an `ApiError` for anything else, a failed fetch included. */
export async function unwrap<T>(call: Promise<CallResult<T>>): Promise<T> {
  let result: CallResult<T>;
  try {
    result = await call;
  } catch (error) {
    throw asApiError(error);
  }
  const { data, error, response } = result;
  if (!response.ok) {
    throw toApiError(response.status, error, response.headers);
  }
  if (data === undefined && response.status !== 204) {
    throw new ApiError({ status: response.status, code: UNEXPECTED_RESPONSE, message: "Empty response" });
  }
  return data as T;
}
