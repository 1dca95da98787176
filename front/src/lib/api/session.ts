/**
 * The signed-in session: the access token lives in this object's memory only; the refresh
 * token is the httpOnly cookie the API sets on /api/auth, which script never sees.
 *
 * Refreshes are single-flight (concurrent 401s and the timer share one request) because the
 * API revokes every session of a family when a rotated refresh token is presented twice.
 */
import { jwtDecode } from "jwt-decode";
import createClient from "openapi-fetch";

import { toApiError } from "./errors";
import type { paths } from "./schema";
import { singleTab, type TabCoordinator } from "./coordination";

export type SessionStatus = "unknown" | "signedIn" | "signedOut";

type Listener = (status: SessionStatus) => void;

export interface SessionOptions {
  /** Origin of the API; "" in the browser, where /api is on the page's own origin. */
  baseUrl?: string;
  fetch?: (request: Request) => Promise<Response>;
  tabs?: TabCoordinator;
  /** Refresh this long before the access token expires (capped at half its lifetime). */
  refreshMarginSeconds?: number;
}

const AUTH_PATH = "/api/auth/";
const DEFAULT_REFRESH_MARGIN_SECONDS = 60;

/** When to refresh `token`: `margin` seconds before it expires, but never in its first half. */
function refreshDelaySeconds(token: string, marginSeconds: number): number | null {
  try {
    const { exp, iat } = jwtDecode<{ exp?: number; iat?: number }>(token);
    if (typeof exp !== "number") {
      return null;
    }
    const remaining = exp - Date.now() / 1000;
    const lifetime = typeof iat === "number" ? exp - iat : remaining;
    return Math.max(0, remaining - Math.min(marginSeconds, lifetime / 2));
  } catch {
    // Not a JWT we can read: the 401 path still refreshes it when it expires.
    return null;
  }
}

function withBearer(request: Request, token: string | null): Request {
  if (token === null) {
    return request;
  }
  const headers = new Headers(request.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return new Request(request, { headers });
}

export class AuthSession {
  private accessToken: string | null = null;
  private inFlightRefresh: Promise<string | null> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private currentStatus: SessionStatus = "unknown";
  private readonly listeners = new Set<Listener>();
  private readonly baseFetch: (request: Request) => Promise<Response>;
  private readonly auth: ReturnType<typeof createClient<paths>>;
  private readonly tabs: TabCoordinator;
  private readonly refreshMarginSeconds: number;

  constructor(options: SessionOptions = {}) {
    this.baseFetch = options.fetch ?? ((request) => globalThis.fetch(request));
    this.auth = createClient<paths>({ baseUrl: options.baseUrl ?? "", fetch: this.baseFetch });
    this.tabs = options.tabs ?? singleTab;
    this.refreshMarginSeconds = options.refreshMarginSeconds ?? DEFAULT_REFRESH_MARGIN_SECONDS;
    this.tabs.onSignOut(() => this.signedOut());
  }

  get status(): SessionStatus {
    return this.currentStatus;
  }

  get token(): string | null {
    return this.accessToken;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sign in; throws an `ApiError` (401 `invalid_credentials`, 429 with `retryAfter`...). */
  async login(username: string, password: string): Promise<void> {
    // The refresh token goes into the httpOnly cookie, never into a body script could read.
    const { data, error, response } = await this.auth.POST("/api/auth/login", {
      body: { username, password, refresh_cookie: true },
    });
    if (!data) {
      throw toApiError(response.status, error, response.headers);
    }
    this.signedIn(data.access_token);
  }

  /**
   * A new access token from the refresh cookie, or null once signed out. Concurrent callers
   * share the one request in flight; across tabs, refreshes take turns.
   */
  refresh(): Promise<string | null> {
    this.inFlightRefresh ??= this.tabs
      .exclusive(() => this.requestNewTokens())
      .finally(() => {
        this.inFlightRefresh = null;
      });
    return this.inFlightRefresh;
  }

  /** Revoke the refresh token at the API, then forget everything, in every tab. */
  async logout(): Promise<void> {
    try {
      await this.auth.POST("/api/auth/logout", {});
    } finally {
      this.signedOut();
      this.tabs.announceSignOut();
    }
  }

  /**
   * `fetch` for API calls: adds the bearer token; on a 401 refreshes once and retries once.
   * A session not yet known (a fresh page load) first tries the refresh cookie.
   */
  readonly fetch = async (request: Request): Promise<Response> => {
    const retry = request.clone();
    const token =
      this.accessToken ?? (this.currentStatus === "unknown" ? await this.refresh() : null);
    const response = await this.baseFetch(withBearer(request, token));
    if (response.status !== 401 || new URL(request.url).pathname.startsWith(AUTH_PATH)) {
      return response;
    }
    const fresh = await this.tokenNewerThan(token);
    if (fresh === null) {
      return response;
    }
    return this.baseFetch(withBearer(retry, fresh));
  };

  /** A token other than `stale`: the current one if a refresh already replaced it. */
  private async tokenNewerThan(stale: string | null): Promise<string | null> {
    if (this.accessToken !== null && this.accessToken !== stale) {
      return this.accessToken;
    }
    return this.refresh();
  }

  private async requestNewTokens(): Promise<string | null> {
    try {
      const { data } = await this.auth.POST("/api/auth/refresh", {});
      if (data) {
        this.signedIn(data.access_token);
        return data.access_token;
      }
    } catch {
      // Unreachable API: as good as a refused refresh, the session can't go on.
    }
    this.signedOut();
    return null;
  }

  private signedIn(token: string): void {
    this.accessToken = token;
    this.scheduleRefresh(token);
    this.setStatus("signedIn");
  }

  private signedOut(): void {
    this.accessToken = null;
    this.clearTimer();
    this.setStatus("signedOut");
  }

  private scheduleRefresh(token: string): void {
    this.clearTimer();
    const delay = refreshDelaySeconds(token, this.refreshMarginSeconds);
    if (delay !== null) {
      this.refreshTimer = setTimeout(() => void this.refresh(), delay * 1000);
    }
  }

  private clearTimer(): void {
    if (this.refreshTimer !== null) {
      clearTimeout(this.refreshTimer);
      this.refreshTimer = null;
    }
  }

  private setStatus(status: SessionStatus): void {
    this.currentStatus = status;
    for (const listener of this.listeners) {
      listener(status);
    }
  }
}
