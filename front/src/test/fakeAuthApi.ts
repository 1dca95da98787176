/**
 * An in-memory stand-in for the API's auth rules (server/app/auth/service.py), used as `fetch`
 * by the session tests: refresh tokens rotate through a cookie jar like the browser's, a used
 * one presented again revokes the family, and access tokens are JWTs with `iat`/`exp`. As in
 * the API, only a sign-in that asks for `refresh_cookie` gets the cookie, and then the refresh
 * token is never in a body; without it, the body carries the token and no cookie is set.
 */

const ACCESS_LIFETIME_SECONDS = 15 * 60;

function base64Url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function makeJwt(claims: { iat: number; exp: number; jti: string }): string {
  return `${base64Url({ alg: "HS256", typ: "JWT" })}.${base64Url(claims)}.signature`;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

const unauthorized = (code: string) => json(401, { detail: code, code });

export class FakeAuthApi {
  /** The browser's cookie jar, as far as /api/auth is concerned. */
  cookie: string | null = null;
  refreshCalls = 0;
  logoutCalls = 0;
  /** Every response body of /api/auth, to check that none carries the refresh token. */
  readonly authBodies: string[] = [];
  familyRevoked = false;
  /** Bodies the `/api/echo` endpoint received, to check that retries resend them. */
  readonly echoed: string[] = [];
  private readonly validAccess = new Set<string>();
  private readonly usedRefresh = new Set<string>();
  private serial = 0;

  readonly fetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    switch (path) {
      case "/api/auth/login":
        return this.login(request);
      case "/api/auth/refresh":
        return this.refresh();
      case "/api/auth/logout":
        this.logoutCalls += 1;
        this.cookie = null;
        return new Response(null, { status: 204 });
      case "/api/echo":
        return this.echo(request);
      default:
        return this.authorized(request) ? json(200, { ok: true }) : unauthorized("invalid_token");
    }
  };

  /** Every access token issued so far stops working, as when they expire. */
  expireAccessTokens(): void {
    this.validAccess.clear();
  }

  private authorized(request: Request): boolean {
    const header = request.headers.get("Authorization") ?? "";
    return this.validAccess.has(header.replace(/^Bearer /, ""));
  }

  private issue(cookie: boolean): Response {
    this.serial += 1;
    const now = Math.floor(Date.now() / 1000);
    const access = makeJwt({ iat: now, exp: now + ACCESS_LIFETIME_SECONDS, jti: `a${this.serial}` });
    this.validAccess.add(access);
    const refresh = `r${this.serial}`;
    const tokens = { access_token: access, token_type: "bearer", expires_in: ACCESS_LIFETIME_SECONDS };
    const body = JSON.stringify(cookie ? tokens : { ...tokens, refresh_token: refresh });
    this.authBodies.push(body);
    if (cookie) {
      this.cookie = refresh;
    }
    return new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
  }

  private async login(request: Request): Promise<Response> {
    const body = (await request.json()) as {
      username: string;
      password: string;
      refresh_cookie?: boolean;
    };
    if (body.password !== "correct-horse") {
      return unauthorized("invalid_credentials");
    }
    this.familyRevoked = false;
    return this.issue(body.refresh_cookie === true);
  }

  private async refresh(): Promise<Response> {
    this.refreshCalls += 1;
    const presented = this.cookie;
    // The network round trip: concurrent refreshes overlap here, as they would for real.
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (presented === null || this.familyRevoked) {
      return unauthorized("invalid_refresh_token");
    }
    if (this.usedRefresh.has(presented)) {
      this.familyRevoked = true;
      this.validAccess.clear();
      return unauthorized("refresh_token_reused");
    }
    this.usedRefresh.add(presented);
    return this.issue(true);
  }

  private async echo(request: Request): Promise<Response> {
    if (!this.authorized(request)) {
      return unauthorized("invalid_token");
    }
    this.echoed.push(await request.text());
    return json(200, { ok: true });
  }
}
