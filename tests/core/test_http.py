import json
import re
import threading

import httpx
import pytest
from conftest import AuthHeaders, Serve
from helpers import DEFAULT_PASSWORD, LOGIN_URL, ME_URL, TOKEN_URL, bearer, login, scrape

from app.core import security
from app.users.models import User


async def test_a_request_id_is_created_when_absent(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


async def test_a_client_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health", headers={"X-Request-ID": "smoke-test.42"})
    assert response.headers["X-Request-ID"] == "smoke-test.42"


@pytest.mark.parametrize("unsafe", ["has space", "x" * 129, 'quote"d', "new\tline"])
async def test_an_unsafe_request_id_is_replaced(client: httpx.AsyncClient, unsafe: str) -> None:
    response = await client.get("/api/health", headers={"X-Request-ID": unsafe})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


async def test_error_responses_carry_the_request_id_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/users/me", headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "abc-123"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/nothing-here", 404, "not_found"),
        ("DELETE", "/api/health", 405, "method_not_allowed"),
    ],
)
async def test_framework_errors_are_json_with_a_code(
    client: httpx.AsyncClient, method: str, path: str, status: int, code: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert isinstance(response.json()["detail"], str)


async def test_malformed_json_is_a_422_with_a_code(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_docs_and_schema_are_served_under_api(client: httpx.AsyncClient) -> None:
    for path in (
        "/api/docs",
        "/api/docs/oauth2-redirect",
        "/api/redoc",
        "/api/redoc/logo-mini.svg",  # ReDoc's bundle asks beside its page, not Redocly's CDN
        "/api/openapi.json",
    ):
        assert (await client.get(path)).status_code == 200
    for path in ("/docs", "/openapi.json"):
        assert (await client.get(path)).status_code == 404


async def test_openapi_has_readable_unique_operation_ids_and_a_password_flow(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    operation_ids = [
        operation["operationId"] for path in schema["paths"].values() for operation in path.values()
    ]
    assert len(operation_ids) == len(set(operation_ids))
    assert {"login", "refresh_tokens", "read_me", "list_users"} <= set(operation_ids)
    assert all(re.fullmatch(r"[a-z_]+", operation_id) for operation_id in operation_ids)
    flows = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
    assert flows["password"]["tokenUrl"] == "/api/auth/token"
    assert not any(path.startswith("/metrics") for path in schema["paths"])


async def test_swagger_keeps_the_token_out_of_local_storage(client: httpx.AsyncClient) -> None:
    page = (await client.get("/api/docs")).text
    assert "SwaggerUIBundle(" in page
    assert "persistAuthorization" not in page


async def test_swagger_authorize_flow_signs_in_and_calls_me(
    client: httpx.AsyncClient, superadmin: User
) -> None:
    token = await client.post(
        TOKEN_URL, data={"username": "superAdmin", "password": DEFAULT_PASSWORD}
    )
    assert token.status_code == 200
    me = await client.get(ME_URL, headers=bearer(token.json()["access_token"]))
    assert me.json()["username"] == "superAdmin"


async def test_metrics_count_requests_by_route_template_and_status(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, admin: User
) -> None:
    await client.get(f"/api/users/{admin.id}", headers=auth_headers(admin))
    await client.get("/api/users/me")
    metrics = (await client.get("/metrics")).text
    assert (
        'http_requests_total{handler="/api/users/{user_id:not_me}",method="GET",status="200"} 1.0'
        in metrics
    )
    assert 'http_requests_total{handler="/api/users/me",method="GET",status="401"} 1.0' in metrics
    assert "http_request_duration_seconds_bucket" in metrics


async def test_metrics_label_unmatched_paths_alike_and_leave_out_their_own_scrapes(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/metrics")
    await client.get("/no/such/path/1")
    await client.get("/no/such/path/2")
    # The path matches, the method doesn't: still the route's template.
    await client.delete("/api/health")
    login_body = b'{"username": "nobody", "password": "wrong-password"}'
    refused = await client.post(
        LOGIN_URL, content=login_body, headers={"Content-Type": "application/json"}
    )

    samples = await scrape(client)

    def sample(name: str, **labels: str) -> float:
        return samples[name, labels]

    assert sample("http_requests_total", method="GET", status="404", handler="none") == 2
    assert sample("http_requests_total", method="DELETE", status="405", handler="/api/health") == 1
    assert not any(dict(labels).get("handler") == "/metrics" for _, labels in samples.samples)
    assert sample("http_request_size_bytes_sum", handler=LOGIN_URL) == len(login_body)
    assert sample("http_response_size_bytes_sum", handler=LOGIN_URL) == len(refused.content)
    assert sample("http_request_duration_seconds_count", method="POST", handler=LOGIN_URL) == 1
    assert sample("http_request_duration_highr_seconds_count") == 4


@pytest.mark.parametrize(
    ("allowed", "origin", "expected"),
    [
        ("https://shop.example.com", "https://shop.example.com", "https://shop.example.com"),
        ("https://shop.example.com", "https://evil.example.net", None),
        ("", "https://shop.example.com", None),
    ],
)
async def test_cors_answers_only_configured_origins(
    serve: Serve, allowed: str, origin: str, expected: str | None
) -> None:
    async with serve(BACKEND_CORS_ORIGINS=allowed) as client:
        response = await client.options(
            "/api/auth/login",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
    assert response.headers.get("Access-Control-Allow-Origin") == expected


async def test_bcrypt_runs_off_the_event_loop(
    client: httpx.AsyncClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[threading.Thread] = []
    verify = security.password_context.verify

    def recording_verify(secret: str, hashed: str) -> bool:
        threads.append(threading.current_thread())
        return verify(secret, hashed)

    monkeypatch.setattr(security.password_context, "verify", recording_verify)
    response = await login(client, user.username)
    assert response.status_code == 200
    assert threads
    assert all(thread is not threading.main_thread() for thread in threads)


async def test_access_logs_are_json_with_request_facts_and_no_secrets(
    serve: Serve, user: User, capsys: pytest.CaptureFixture[str]
) -> None:
    async with serve(LOG_FORMAT="json") as client:
        signed_in = await client.post(
            LOGIN_URL,
            json={"username": user.username, "password": DEFAULT_PASSWORD},
            headers={"X-Request-ID": "log-check-1"},
        )
        token = signed_in.json()["access_token"]
        await client.get(ME_URL, headers=bearer(token) | {"X-Request-ID": "log-check-2"})
    output = capsys.readouterr().err
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    me = next(record for record in records if record.get("request_id") == "log-check-2")
    assert me["event"] == "request"
    assert (me["method"], me["path"], me["status"], me["user_id"]) == (
        "GET",
        "/api/users/me",
        200,
        user.id,
    )
    assert isinstance(me["duration_ms"], float)
    assert DEFAULT_PASSWORD not in output
    assert token not in output
    assert signed_in.json()["refresh_token"] not in output


@pytest.mark.parametrize(("level", "logged"), [("INFO", False), ("DEBUG", True)])
async def test_probes_are_access_logged_at_debug_only(
    serve: Serve, capsys: pytest.CaptureFixture[str], level: str, logged: bool
) -> None:
    async with serve(LOG_FORMAT="json", LOG_LEVEL=level) as client:
        await client.get("/api/health", headers={"X-Request-ID": "probe-1"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line[:1] == "{"]
    probes = [line for line in lines if line.get("logger") == "app.access"]
    assert [(line["level"], line["path"], line["request_id"]) for line in probes] == (
        [("debug", "/api/health", "probe-1")] if logged else []
    )
