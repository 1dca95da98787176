"""The address sign-in limits count under is the peer's own, unless the peer is a trusted
proxy. The API runs under uvicorn with `--proxy-headers` and the entrypoint's default
FORWARDED_ALLOW_IPS, as the container starts it; clients call from real loopback addresses
(a socket bound to 127.0.0.2 reaches the server on 127.0.0.1, which sees 127.0.0.2 as the
peer)."""

import asyncio
import re
import secrets
from collections.abc import AsyncIterator, Awaitable

import httpx
import pytest
from auth_support import assert_throttled_together
from helpers import DEFAULT_PASSWORD, REGISTER_URL, assert_ok, login, new_account, scratch_database
from nginx_support import REPO_ROOT, Api, running_api
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

ENTRYPOINT = REPO_ROOT / "server" / "docker-entrypoint.sh"


def entrypoint_forwarded_allow_ips() -> str:
    """The proxies the backend container trusts when FORWARDED_ALLOW_IPS is unset."""
    match = re.search(
        r'--forwarded-allow-ips "\$\{FORWARDED_ALLOW_IPS:-([^}]*)\}"', ENTRYPOINT.read_text()
    )
    assert match, "the entrypoint no longer passes --forwarded-allow-ips with a default"
    return match.group(1)


@pytest.fixture(scope="module")
async def api(
    engine: AsyncEngine, database_url: URL, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Api]:
    """The API on a database of its own, trusting forwarded headers as the container does."""
    async with scratch_database(engine, database_url) as url:
        with running_api(
            url,
            tmp_path_factory.mktemp("api"),
            forwarded_allow_ips=entrypoint_forwarded_allow_ips(),
        ) as api:
            yield api


def client_from(api: Api, source: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=source)
    return httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{api.port}", transport=transport, timeout=60
    )


async def registered(api: Api) -> str:
    """A new account of the test's own, so no other test counted its sign-ins."""
    username = f"peer_{secrets.token_hex(6)}"
    async with client_from(api, "127.0.0.1") as client:
        assert_ok(await client.post(REGISTER_URL, json=new_account(username)), 201)
    return username


def _sign_in(
    client: httpx.AsyncClient, username: str, password: str, forwarded_for: str | None
) -> Awaitable[httpx.Response]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        "/api/auth/login", json={"username": username, "password": password}, headers=headers
    )


async def guesses(
    client: httpx.AsyncClient, username: str, forwarded_for: list[str | None]
) -> list[httpx.Response]:
    """One wrong password for `username` per `forwarded_for` header (None: no header), fired
    together."""
    return await asyncio.gather(
        *(_sign_in(client, username, "wrong-password", header) for header in forwarded_for)
    )


async def login_as(
    client: httpx.AsyncClient, username: str, *, forwarded_for: str
) -> httpx.Response:
    return await _sign_in(client, username, DEFAULT_PASSWORD, forwarded_for)


def test_the_entrypoint_trusts_only_the_local_proxy_by_default() -> None:
    assert entrypoint_forwarded_allow_ips() == "127.0.0.1"


async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_changes_nothing(api: Api) -> None:
    username = await registered(api)
    async with client_from(api, "127.0.0.2") as attacker:
        spoofed: list[str | None] = [f"198.51.100.{index}" for index in range(10)]
        # Every guess counts under 127.0.0.2, whatever address its header claims...
        assert_throttled_together(await guesses(attacker, username, spoofed), checked=5)
        # ...and so does the right password, from yet another claimed address.
        response = await login_as(attacker, username, forwarded_for="203.0.113.99")
        assert response.status_code == 429, response.text


async def test_failures_from_one_address_leave_the_right_password_working_from_another(
    api: Api,
) -> None:
    username = await registered(api)
    async with client_from(api, "127.0.0.2") as attacker:
        assert_throttled_together(await guesses(attacker, username, [None] * 10), checked=5)
        assert (await login(attacker, username)).status_code == 429

    async with client_from(api, "127.0.0.3") as owner:
        assert_ok(await login(owner, username))


async def test_the_trusted_proxys_forwarded_for_is_the_client(api: Api) -> None:
    """The other side: from the proxy's address the header is believed, so the limits
    count per client behind the proxy."""
    username = await registered(api)
    async with client_from(api, "127.0.0.1") as proxy:
        responses = await guesses(proxy, username, ["192.0.2.10"] * 10)
        assert_throttled_together(responses, checked=5)
        assert (await login_as(proxy, username, forwarded_for="192.0.2.10")).status_code == 429

        assert_ok(await login_as(proxy, username, forwarded_for="192.0.2.11"))
