"""Failed sign-ins are limited per username (5) and per client IP (20) within 15 minutes."""

import httpx
from auth_support import fail_logins
from conftest import UserFactory
from fastapi import FastAPI
from helpers import DEFAULT_PASSWORD, TOKEN_URL, assert_error, client_for, login, sign_in

from app.users.models import User

FAILURES_PER_USERNAME = 5
FAILURES_PER_IP = 20
WINDOW_SECONDS = 15 * 60


def assert_throttled(response: httpx.Response) -> int:
    """A 429 with a usable Retry-After; returns the seconds to wait."""
    body = assert_error(response, 429, "too_many_login_attempts")
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit(), retry_after
    seconds = int(retry_after)
    assert 1 <= seconds <= WINDOW_SECONDS
    assert body["retry_after"] == seconds
    assert "access_token" not in body
    assert "set-cookie" not in response.headers
    return seconds


async def test_after_five_failures_even_the_right_password_is_throttled(
    client: httpx.AsyncClient, user: User
) -> None:
    await fail_logins(client, user.username, FAILURES_PER_USERNAME)

    assert_throttled(await login(client, user.username, DEFAULT_PASSWORD))


async def test_four_failures_do_not_throttle(client: httpx.AsyncClient, user: User) -> None:
    await fail_logins(client, user.username, FAILURES_PER_USERNAME - 1)

    await sign_in(client, user.username)


async def test_failures_for_unknown_usernames_count_too(client: httpx.AsyncClient) -> None:
    await fail_logins(client, "nobody-by-this-name", FAILURES_PER_USERNAME)

    assert_throttled(await login(client, "nobody-by-this-name"))


async def test_username_failures_count_whatever_the_case(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    await make_user(username="CaseUser")
    for spelling in ("caseuser", "CASEUSER", "CaseUser", "cAsEuSeR", "caseUSER"):
        await fail_logins(client, spelling, 1)

    assert_throttled(await login(client, "Caseuser", DEFAULT_PASSWORD))


async def test_the_oauth2_form_endpoint_shares_the_limit(
    client: httpx.AsyncClient, user: User
) -> None:
    await fail_logins(client, user.username, FAILURES_PER_USERNAME)

    response = await client.post(
        TOKEN_URL, data={"username": user.username, "password": DEFAULT_PASSWORD}
    )

    assert_throttled(response)


async def test_a_successful_sign_in_resets_the_usernames_failures(
    client: httpx.AsyncClient, user: User
) -> None:
    await fail_logins(client, user.username, FAILURES_PER_USERNAME - 1)
    await sign_in(client, user.username)
    await fail_logins(client, user.username, FAILURES_PER_USERNAME - 1)

    await sign_in(client, user.username)


async def test_other_usernames_from_the_ip_pass_until_it_has_20_failures(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    victim, *others = [await make_user() for _ in range(4)]
    fresh = await make_user()

    await fail_logins(client, victim.username, FAILURES_PER_USERNAME)
    assert_throttled(await login(client, victim.username))
    # The same IP may still try other usernames...
    await sign_in(client, others[0].username)
    # ...failing up to the IP's limit: 5 + 3 * 5 = 20, each still answered 401.
    for other in others:
        await fail_logins(client, other.username, FAILURES_PER_USERNAME)

    # Now any username from this IP is refused, even one without failures of its own.
    assert_throttled(await login(client, fresh.username, DEFAULT_PASSWORD))
    assert_throttled(await login(client, "nobody-by-this-name"))


async def test_a_successful_sign_in_does_not_reset_the_ips_failures(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    users = [await make_user() for _ in range(5)]
    for user in users[:4]:
        await fail_logins(client, user.username, FAILURES_PER_USERNAME - 1)
        await sign_in(client, user.username)
    # 16 failures so far, every username reset by its success; 4 more make the IP's 20.
    await fail_logins(client, users[4].username, FAILURES_PER_USERNAME - 1)

    assert_throttled(await login(client, users[0].username, DEFAULT_PASSWORD))


async def test_the_ip_limit_is_per_client_ip(app: FastAPI, make_user: UserFactory) -> None:
    # 4 failures on each of 5 usernames: no username reaches its limit, but the IP has 20.
    targets = [await make_user() for _ in range(FAILURES_PER_IP // (FAILURES_PER_USERNAME - 1))]
    untouched = await make_user()
    async with (
        client_for(app, client_ip="203.0.113.7") as attacker,
        client_for(app, client_ip="198.51.100.9") as bystander,
    ):
        for target in targets:
            await fail_logins(attacker, target.username, FAILURES_PER_USERNAME - 1)
        assert_throttled(await login(attacker, untouched.username))

        await sign_in(bystander, untouched.username)
        await sign_in(bystander, targets[0].username)


async def test_the_username_limit_holds_from_every_ip(app: FastAPI, make_user: UserFactory) -> None:
    """Spreading guesses over many addresses doesn't buy more of them for one account."""
    victim = await make_user()
    addresses = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5"]
    for address in addresses:
        async with client_for(app, client_ip=address) as attacker:
            await fail_logins(attacker, victim.username, 1)

    async with client_for(app, client_ip="198.51.100.9") as owner:
        assert_throttled(await login(owner, victim.username, DEFAULT_PASSWORD))
