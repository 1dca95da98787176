import { afterEach, describe, expect, it, vi } from "vitest";

import { FakeAuthApi } from "@/test/fakeAuthApi";

import type { TabCoordinator } from "./coordination";
import { AuthSession, type SessionStatus } from "./session";

const ORIGIN = "http://shop.test";

function get(path: string): Request {
  return new Request(`${ORIGIN}${path}`);
}

async function signedInSession(api: FakeAuthApi, tabs?: TabCoordinator): Promise<AuthSession> {
  const session = new AuthSession({ baseUrl: ORIGIN, fetch: api.fetch, tabs });
  await session.login("alice", "correct-horse");
  return session;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("AuthSession", () => {
  it("keeps the access token in memory and sends it as a bearer token", async () => {
    const api = new FakeAuthApi();
    const session = await signedInSession(api);

    const response = await session.fetch(get("/api/users/me"));

    expect(response.status).toBe(200);
    expect(session.status).toBe("signedIn");
    expect(session.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(api.refreshCalls).toBe(0);
  });

  it("keeps its refresh token in the cookie: no response body ever carries it", async () => {
    const api = new FakeAuthApi();
    const session = await signedInSession(api);

    api.expireAccessTokens();
    const response = await session.fetch(get("/api/users/me"));

    expect(response.status).toBe(200);
    expect(api.refreshCalls).toBe(1);
    expect(api.cookie).not.toBeNull();
    expect(api.authBodies).toHaveLength(2);
    for (const body of api.authBodies) {
      expect(JSON.parse(body)).not.toHaveProperty("refresh_token");
    }
  });

  it("rejects wrong credentials with the API's code and stays signed out", async () => {
    const api = new FakeAuthApi();
    const session = new AuthSession({ baseUrl: ORIGIN, fetch: api.fetch });

    await expect(session.login("alice", "wrong")).rejects.toMatchObject({
      status: 401,
      code: "invalid_credentials",
    });
    expect(session.token).toBeNull();
  });

  it("shares one refresh among concurrent 401s, so the rotated token is never reused", async () => {
    const api = new FakeAuthApi();
    const session = await signedInSession(api);
    api.expireAccessTokens();

    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, index) => session.fetch(get(`/api/products/${index + 1}`))),
    );

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(api.refreshCalls).toBe(1);
    expect(api.familyRevoked).toBe(false);
    expect(session.status).toBe("signedIn");
  });

  it("uses a token another request already refreshed instead of refreshing again", async () => {
    const api = new FakeAuthApi();
    const session = await signedInSession(api);
    api.expireAccessTokens();

    await session.fetch(get("/api/products"));
    api.expireAccessTokens();
    await Promise.all([session.fetch(get("/api/products")), session.fetch(get("/api/orders"))]);

    expect(api.refreshCalls).toBe(2);
    expect(api.familyRevoked).toBe(false);
  });

  it("retries a request once after refreshing, with its body", async () => {
    const api = new FakeAuthApi();
    const session = await signedInSession(api);
    api.expireAccessTokens();

    const response = await session.fetch(
      new Request(`${ORIGIN}/api/echo`, { method: "POST", body: '{"items":[1]}' }),
    );

    expect(response.status).toBe(200);
    expect(api.echoed).toEqual(['{"items":[1]}']);
  });

  it("retries only once: a second 401 is returned as it is", async () => {
    const api = new FakeAuthApi();
    let attempts = 0;
    const alwaysUnauthorized = async (request: Request): Promise<Response> => {
      if (new URL(request.url).pathname === "/api/forbidden-forever") {
        attempts += 1;
        return new Response('{"detail":"no","code":"invalid_token"}', { status: 401 });
      }
      return api.fetch(request);
    };
    const guarded = new AuthSession({ baseUrl: ORIGIN, fetch: alwaysUnauthorized });
    await guarded.login("alice", "correct-horse");

    const response = await guarded.fetch(get("/api/forbidden-forever"));

    expect(response.status).toBe(401);
    expect(attempts).toBe(2);
    expect(api.refreshCalls).toBe(1);
  });

  it("signs out when the refresh is refused", async () => {
    const api = new FakeAuthApi();
    const session = await signedInSession(api);
    const statuses: SessionStatus[] = [];
    session.subscribe((status) => statuses.push(status));
    api.familyRevoked = true;
    api.expireAccessTokens();

    const response = await session.fetch(get("/api/users/me"));

    expect(response.status).toBe(401);
    expect(session.status).toBe("signedOut");
    expect(session.token).toBeNull();
    expect(statuses).toEqual(["signedOut"]);
  });

  it("restores the session from the refresh cookie on the first call after a page load", async () => {
    const api = new FakeAuthApi();
    await signedInSession(api);
    const reloaded = new AuthSession({ baseUrl: ORIGIN, fetch: api.fetch });

    const response = await reloaded.fetch(get("/api/users/me"));

    expect(response.status).toBe(200);
    expect(reloaded.status).toBe("signedIn");
    expect(api.refreshCalls).toBe(1);
  });

  it("takes turns with other tabs, which share the refresh cookie", async () => {
    const api = new FakeAuthApi();
    let queue: Promise<unknown> = Promise.resolve();
    const sharedLock: TabCoordinator = {
      exclusive: (task) => {
        const run = queue.then(task);
        queue = run.catch(() => undefined);
        return run;
      },
      announceSignOut: () => undefined,
      onSignOut: () => () => undefined,
    };
    const firstTab = await signedInSession(api, sharedLock);
    const secondTab = new AuthSession({ baseUrl: ORIGIN, fetch: api.fetch, tabs: sharedLock });
    api.expireAccessTokens();

    const responses = await Promise.all([
      firstTab.fetch(get("/api/products")),
      secondTab.fetch(get("/api/products")),
    ]);

    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect(api.familyRevoked).toBe(false);
  });

  it("refreshes silently shortly before the access token expires", async () => {
    vi.useFakeTimers();
    const api = new FakeAuthApi();
    const session = await signedInSession(api);
    const first = session.token;

    await vi.advanceTimersByTimeAsync(13 * 60 * 1000);
    expect(api.refreshCalls).toBe(0);
    await vi.advanceTimersByTimeAsync(60 * 1000 + 10);

    expect(api.refreshCalls).toBe(1);
    expect(session.token).not.toBe(first);
    expect(session.status).toBe("signedIn");
  });

  it("logs out at the API and tells the other tabs", async () => {
    const api = new FakeAuthApi();
    const announced: string[] = [];
    const tabs: TabCoordinator = {
      exclusive: (task) => task(),
      announceSignOut: () => announced.push("signed-out"),
      onSignOut: () => () => undefined,
    };
    const session = await signedInSession(api, tabs);

    await session.logout();

    expect(api.logoutCalls).toBe(1);
    expect(api.cookie).toBeNull();
    expect(session.status).toBe("signedOut");
    expect(announced).toEqual(["signed-out"]);
  });

  it("signs out when another tab does", async () => {
    const api = new FakeAuthApi();
    let otherTabSignedOut = (): void => undefined;
    const tabs: TabCoordinator = {
      exclusive: (task) => task(),
      announceSignOut: () => undefined,
      onSignOut: (listener) => {
        otherTabSignedOut = listener;
        return () => undefined;
      },
    };
    const session = await signedInSession(api, tabs);

    otherTabSignedOut();

    expect(session.status).toBe("signedOut");
    expect(session.token).toBeNull();
  });
});
