"""Sign-in attempts are limited within 15 minutes: 5 per username and client address, 20 per
address (failures only), 50 per username across addresses. Each attempt is counted before
its password is checked, so attempts arriving together can't all be checked."""

import asyncio

import httpx
from auth_support import assert_throttled_together, fail_logins
from conftest import UserFactory
from fastapi import FastAPI
from helpers import (
    DEFAULT_PASSWORD,
    TOKEN_URL,
    LiveShop,
    assert_error,
    client_for,
    login,
    sign_in,
)

from app.users.models import User

FAILURES_PER_USERNAME = 5
FAILURES_PER_IP = 20
FAILURES_PER_USERNAME_FROM_ALL_ADDRESSES = 50
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


async def test_concurrent_guesses_get_five_password_checks_and_429s(live_shop: LiveShop) -> None:
    # An app whose requests each have a connection of their own, as in production.
    responses = await asyncio.gather(
        *(login(live_shop.client, "live1", "wrong-password") for _ in range(30))
    )

    assert_throttled_together(responses, checked=FAILURES_PER_USERNAME)


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


async def test_successes_fired_together_hand_their_count_back(
    live_shop: LiveShop,
) -> None:
    """Signing in is counted before the password is checked, and a success hands its count
    back: three waves of 15 right passwords from one address (an office behind one router),
    45 in all, pass the address's 20. (While checked, they count: 30 at once would not.)"""
    for _ in range(3):
        await asyncio.gather(
            *(sign_in(live_shop.client, f"live{1 + index % 10}") for index in range(15))
        )


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


async def test_failures_from_other_addresses_dont_lock_the_owner_out(
    app: FastAPI, make_user: UserFactory
) -> None:
    victim = await make_user()
    async with client_for(app, client_ip="203.0.113.1") as attacker:
        await fail_logins(attacker, victim.username, FAILURES_PER_USERNAME)
        assert_throttled(await login(attacker, victim.username, DEFAULT_PASSWORD))

    async with client_for(app, client_ip="198.51.100.9") as owner:
        await sign_in(owner, victim.username)


async def test_a_username_has_a_ceiling_across_every_address(
    app: FastAPI, make_user: UserFactory
) -> None:
    """Spreading guesses over many addresses buys more of them, but only up to 50."""
    victim = await make_user()
    addresses = FAILURES_PER_USERNAME_FROM_ALL_ADDRESSES // FAILURES_PER_USERNAME
    for index in range(addresses):
        async with client_for(app, client_ip=f"203.0.113.{index + 1}") as attacker:
            await fail_logins(attacker, victim.username, FAILURES_PER_USERNAME)

    async with client_for(app, client_ip="198.51.100.9") as owner:
        assert_throttled(await login(owner, victim.username, DEFAULT_PASSWORD))


async def test_an_address_throttled_for_a_username_uses_none_of_its_ceiling(
    live_shop: LiveShop,
) -> None:
    async with client_for(live_shop.app, client_ip="203.0.113.1") as attacker:
        responses = await asyncio.gather(
            *(login(attacker, "live1", "wrong-password") for _ in range(100))
        )
    assert_throttled_together(responses, checked=FAILURES_PER_USERNAME)

    async with client_for(live_shop.app, client_ip="198.51.100.9") as owner:
        await sign_in(owner, "live1")
