"""The project's nginx configs, development and production alike, in front of the real API.

Each test runs against both variants: `nginx.conf` over HTTP and `nginx/nginx.production.conf`
over HTTPS with a self-signed certificate. Behind them run the API under uvicorn
(`--proxy-headers --forwarded-allow-ips 127.0.0.1`, as in Compose) on a database of its own,
and a stand-in for the Next.js frontend that records what reaches it. Clients call from
127.0.0.2, so the addresses the upstreams see can only come from nginx's headers.
"""

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from helpers import LOGIN_URL, ME_URL, bearer, scratch_database
from nginx_support import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    CHUNK_PATH,
    CLIENT_IP,
    CSS_PATH,
    GENERATED_REQUEST_ID,
    IMMUTABLE,
    Api,
    Frontend,
    Proxy,
    Variant,
    assert_nginx_not_found,
    assert_security_headers,
    csp_violations,
    page_resources,
    running_api,
    running_proxy,
    stand_in_frontend,
)
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture(scope="module")
async def api_database(engine: AsyncEngine, database_url: URL) -> AsyncIterator[URL]:
    async with scratch_database(engine, database_url) as url:
        yield url


@pytest.fixture(scope="module")
def api(api_database: URL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with running_api(api_database, tmp_path_factory.mktemp("api")) as api:
        yield api


@pytest.fixture(scope="module")
def frontend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Frontend]:
    with stand_in_frontend(tmp_path_factory.mktemp("frontend")) as frontend:
        yield frontend


@pytest.fixture(scope="module", params=["dev", "production"])
def proxy(
    request: pytest.FixtureRequest,
    api: Api,
    frontend: Frontend,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Proxy]:
    variant: Variant = request.param
    with running_proxy(
        variant,
        tmp_path_factory.mktemp(f"nginx-{variant}"),
        backend_port=api.port,
        frontend_port=frontend.port,
    ) as proxy:
        yield proxy


@pytest.fixture
async def client(proxy: Proxy) -> AsyncIterator[httpx.AsyncClient]:
    async with proxy.client() as client:
        yield client


def new_request_id() -> str:
    return f"nginx-test-{uuid.uuid4().hex}"


# --- Routing -------------------------------------------------------------------------------------


async def test_the_root_is_the_frontends_page(
    client: httpx.AsyncClient, frontend: Frontend, proxy: Proxy
) -> None:
    request_id = new_request_id()
    response = await client.get("/", headers={"X-Request-ID": request_id})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "order_system frontend" in response.text
    assert [r.target for r in frontend.received_with(request_id)] == ["/"]
    # A Next.js page (inline bootstrap, hashed chunks, data: images) runs under the policy.
    policy = response.headers["Content-Security-Policy"]
    assert csp_violations(policy, f"{proxy.base_url}/", response.text) == []


async def test_app_paths_reach_the_frontend_unchanged(
    client: httpx.AsyncClient, frontend: Frontend
) -> None:
    response = await client.get("/echo/orders/42?tab=lines%2Fall&q=a%20b")
    assert response.status_code == 200
    assert response.json()["target"] == "/echo/orders/42?tab=lines%2Fall&q=a%20b"


async def test_sign_in_goes_to_the_api_with_its_path_unchanged(
    client: httpx.AsyncClient, api: Api
) -> None:
    request_id = new_request_id()
    response = await client.post(
        LOGIN_URL,
        json={"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD},
        headers={"X-Request-ID": request_id},
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "bearer"
    logged = api.request(request_id)
    assert (logged["method"], logged["path"], logged["status"]) == ("POST", LOGIN_URL, 200)

    me = await client.get(ME_URL, headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["username"] == ADMIN_USERNAME


@pytest.mark.parametrize("path", ["/health", "/api/health"])
async def test_health_is_the_apis(client: httpx.AsyncClient, api: Api, path: str) -> None:
    request_id = new_request_id()
    response = await client.get(path, headers={"X-Request-ID": request_id})
    assert response.status_code == 200
    assert response.json() == {"status": "healthy", "database": "connected"}
    assert api.request(request_id)["path"] == path


async def test_the_schema_comes_through_compressed(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert LOGIN_URL in response.json()["paths"]  # httpx has decompressed it


async def test_swagger_and_redoc_work_under_the_headers_nginx_sends(
    client: httpx.AsyncClient, proxy: Proxy
) -> None:
    site_policy = (await client.get("/")).headers["Content-Security-Policy"]
    for path in ("/api/docs", "/api/redoc"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response, proxy)
        page_url, html = f"{proxy.base_url}{path}", response.text
        policy = response.headers["Content-Security-Policy"]
        # What the pages' scripts load in turn: the schema (Swagger's `url: '...'`), and for
        # ReDoc its logo (asked for beside the page) and its search worker.
        extra: list[tuple[str, str | None]] = [
            ("connect-src", url) for url in re.findall(r"url: '([^']+)'", html)
        ]
        if path == "/api/redoc":
            extra += [
                ("img-src", f"{page_url}/logo-mini.svg"),
                ("worker-src", "blob:https://example.invalid/0c1d"),
            ]
        assert csp_violations(policy, page_url, html, extra) == [], path
        # No CDN: every file the page names comes from the site itself.
        for _, url in page_resources(html):
            if url is not None:
                assert urlsplit(urljoin(page_url, url)).netloc == urlsplit(page_url).netloc, url
                assert (await client.get(url)).status_code == 200, url
    # Swagger needs no more than the site's own policy; ReDoc's search worker alone does.
    assert (await client.get("/api/docs")).headers["Content-Security-Policy"] == site_policy
    redoc = await client.get("/api/redoc")
    redoc_worker = [("worker-src", "blob:https://example.invalid/0c1d")]
    assert csp_violations(site_policy, f"{proxy.base_url}/api/redoc", redoc.text, redoc_worker)


async def test_the_docs_files_are_cached_for_a_year_and_the_pages_are_not(
    client: httpx.AsyncClient, proxy: Proxy
) -> None:
    docs = await client.get("/api/docs")
    [script] = re.findall(r'<script src="([^"]+)"', docs.text)
    # The package's version is in the path, so an upgrade is a new URL.
    assert re.fullmatch(r"/api/docs/assets/\d+\.\d+\.\d+/swagger/swagger-ui-bundle\.js", script)
    response = await client.get(script, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "javascript" in response.headers["Content-Type"]
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers.get_list("Cache-Control") == [IMMUTABLE]
    assert_security_headers(response, proxy)
    missing = await client.get(script.replace("swagger-ui-bundle", "missing"))
    assert missing.status_code == 404
    assert IMMUTABLE not in missing.headers.get_list("Cache-Control")
    assert IMMUTABLE not in docs.headers.get_list("Cache-Control")


# --- Forwarded headers ---------------------------------------------------------------------------


async def test_the_frontend_is_told_who_asked_and_how(
    client: httpx.AsyncClient, proxy: Proxy
) -> None:
    response = await client.get(
        "/echo/whoami", headers={"X-Forwarded-For": "203.0.113.7", "X-Real-IP": "203.0.113.7"}
    )
    received = response.json()
    headers = received["headers"]
    assert headers["host"] == f"127.0.0.1:{proxy.port}"
    assert headers["x-real-ip"] == CLIENT_IP
    assert headers["x-forwarded-for"] == CLIENT_IP  # the client's own claim is dropped
    assert headers["x-forwarded-proto"] == proxy.scheme
    assert headers["x-request-id"] == response.headers["X-Request-ID"]
    # HTTP/1.1, which upgrades need; nginx keeps no idle connection to an upstream it finds
    # by name (http-common.conf), so it says the connection ends with the request.
    assert received["version"] == "HTTP/1.1"
    assert headers["connection"] == "close"
    assert "upgrade" not in headers


async def test_each_request_gets_an_upstream_connection_of_its_own_unless_upgraded(
    client: httpx.AsyncClient, frontend: Frontend
) -> None:
    # Consecutive requests from one client: each reaches the frontend, told to close, as the
    # first request on a fresh connection.
    request_ids = [new_request_id() for _ in range(3)]
    for request_id in request_ids:
        response = await client.get("/echo/plain", headers={"X-Request-ID": request_id})
        assert response.status_code == 200
        assert response.json()["target"] == "/echo/plain"
    for request_id in request_ids:
        [received] = frontend.received_with(request_id)
        assert received.headers["connection"] == "close"
        assert received.on_connection == 1
    # A WebSocket upgrade (Next.js dev reloading) still asks the upstream to upgrade.
    upgrade_id = new_request_id()
    response = await client.get(
        "/echo/socket",
        headers={"Upgrade": "websocket", "Connection": "Upgrade", "X-Request-ID": upgrade_id},
    )
    assert response.status_code == 200
    [upgrade] = frontend.received_with(upgrade_id)
    assert (upgrade.headers["connection"], upgrade.headers["upgrade"]) == ("upgrade", "websocket")


async def test_the_api_sees_the_client_not_nginx(client: httpx.AsyncClient, api: Api) -> None:
    request_id = new_request_id()
    response = await client.get(
        ME_URL, headers={"X-Request-ID": request_id, "X-Forwarded-For": "203.0.113.7"}
    )
    assert response.status_code == 401
    # uvicorn's peer is nginx at 127.0.0.1; the client's address came in X-Forwarded-For.
    assert api.request(request_id)["client"] == CLIENT_IP


async def test_the_apis_redirects_keep_the_scheme_host_and_port(
    client: httpx.AsyncClient, proxy: Proxy
) -> None:
    response = await client.get("/api/users/")
    assert response.status_code == 307
    assert response.headers["Location"] == f"{proxy.base_url}/api/users"


# --- Request IDs ---------------------------------------------------------------------------------


async def test_a_client_request_id_comes_back_unchanged(
    client: httpx.AsyncClient, api: Api, frontend: Frontend
) -> None:
    api_id, page_id = new_request_id(), new_request_id()
    from_api = await client.get(ME_URL, headers={"X-Request-ID": api_id})
    from_frontend = await client.get("/echo/id", headers={"X-Request-ID": page_id})
    assert from_api.headers.get_list("X-Request-ID") == [api_id]
    assert from_frontend.headers.get_list("X-Request-ID") == [page_id]
    assert api.request(api_id)["path"] == ME_URL
    assert len(frontend.received_with(page_id)) == 1


@pytest.mark.parametrize("sent", [None, "has space", "x" * 129, "semi;colon"])
async def test_nginx_makes_the_request_id_when_there_is_no_safe_one(
    client: httpx.AsyncClient, api: Api, frontend: Frontend, sent: str | None
) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    from_api = await client.get(ME_URL, headers=headers)
    from_frontend = await client.get("/echo/id", headers=headers)
    for response in (from_api, from_frontend):
        [request_id] = response.headers.get_list("X-Request-ID")
        assert GENERATED_REQUEST_ID.fullmatch(request_id), request_id
    assert from_api.headers["X-Request-ID"] != from_frontend.headers["X-Request-ID"]
    # The one the client got is the one each upstream received.
    assert api.request(from_api.headers["X-Request-ID"])["path"] == ME_URL
    assert len(frontend.received_with(from_frontend.headers["X-Request-ID"])) == 1


# --- Response headers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),  # the frontend
        ("/no-such-page", 404),  # the frontend's 404
        ("/api/health", 200),
        ("/api/users/me", 401),
        ("/api/nothing-here", 404),  # the API's 404
        ("/metrics", 404),  # nginx's own 404
    ],
)
async def test_every_response_carries_the_security_headers(
    client: httpx.AsyncClient, proxy: Proxy, path: str, status: int
) -> None:
    response = await client.get(path)
    assert response.status_code == status
    assert_security_headers(response, proxy)


async def test_next_static_assets_are_compressed_and_cached_for_a_year(
    client: httpx.AsyncClient, proxy: Proxy
) -> None:
    for path, content_type in ((CHUNK_PATH, "javascript"), (CSS_PATH, "text/css")):
        response = await client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert content_type in response.headers["Content-Type"]
        assert response.headers["Content-Encoding"] == "gzip"
        # Replacing the frontend's own, not added to it.
        assert response.headers.get_list("Cache-Control") == [IMMUTABLE]
        assert_security_headers(response, proxy)
    page = await client.get("/")
    assert IMMUTABLE not in page.headers.get_list("Cache-Control")


# --- What nginx refuses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/metrics",
        "/metrics/",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/openapi.json",
        "/api/%2e%2e/metrics",  # nginx matches the decoded, normalised path: /metrics
    ],
)
async def test_metrics_and_root_docs_are_not_exposed(
    client: httpx.AsyncClient, api: Api, frontend: Frontend, proxy: Proxy, path: str
) -> None:
    request_id = new_request_id()
    response = await client.get(path, headers={"X-Request-ID": request_id})
    assert_nginx_not_found(response)
    assert_security_headers(response, proxy)
    assert request_id not in {entry["request_id"] for entry in await api.requests_until(proxy)}
    assert frontend.received_with(request_id) == []


async def test_an_oversized_body_is_refused_before_the_api(
    client: httpx.AsyncClient, api: Api, proxy: Proxy
) -> None:
    too_large, small_enough = new_request_id(), new_request_id()
    response = await client.post(
        "/api/orders",
        content=b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/json", "X-Request-ID": too_large},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert response.headers["Content-Type"] == "application/json"
    assert_security_headers(response, proxy)
    assert too_large not in {entry["request_id"] for entry in await api.requests_until(proxy)}

    # Just under the limit, the API reads it all and finds it is not JSON.
    response = await client.post(
        "/api/orders",
        content=b"x" * (1024 * 1024 - 1024),
        headers={"Content-Type": "application/json", "X-Request-ID": small_enough},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert api.request(small_enough)["path"] == "/api/orders"


async def test_sign_in_is_rate_limited_per_client(proxy: Proxy) -> None:
    # A client address of its own, so no other test's sign-ins count here. An empty body is a
    # cheap 422 from the API, which its own login throttle does not count.
    async with proxy.client(source="127.0.0.3") as hasty:
        responses = await asyncio.gather(*(hasty.post(LOGIN_URL, json={}) for _ in range(60)))
        limited = [r for r in responses if r.status_code == 429]
        assert {r.status_code for r in responses} == {422, 429}
        for response in limited:
            assert response.json()["code"] == "rate_limited"
            assert response.headers["Retry-After"] == "1"
            assert_security_headers(response, proxy)
        # Only /api/auth/ is limited.
        assert (await hasty.get("/api/health")).status_code == 200
    async with proxy.client(source="127.0.0.4") as patient:
        assert (await patient.post(LOGIN_URL, json={})).status_code == 422


async def test_password_changes_are_rate_limited_per_client(proxy: Proxy) -> None:
    # Unauthenticated, each is a cheap 401 from the API; nginx lets a burst of 5 through.
    password_url = f"{ME_URL}/password"
    async with proxy.client(source="127.0.0.5") as hasty:
        responses = await asyncio.gather(*(hasty.post(password_url, json={}) for _ in range(30)))
        statuses = [response.status_code for response in responses]
        assert set(statuses) == {401, 429}, statuses
        for response in responses:
            if response.status_code == 429:
                assert response.json()["code"] == "rate_limited"
                assert response.headers["Retry-After"] == "1"
        # Only the password change is limited, not the rest of /api/users.
        assert (await hasty.get(ME_URL)).status_code == 401
    async with proxy.client(source="127.0.0.6") as patient:
        assert (await patient.post(password_url, json={})).status_code == 401
