"""The limits of a customer's own account, attacked as they would be: requests fired
together, on an app whose requests each have a pooled connection of their own."""

import asyncio

import httpx
from helpers import ME_URL, NEW_PASSWORD, LiveShop

PASSWORD_URL = f"{ME_URL}/password"
PASSWORD_CHECKS = 5
EMAIL_CHANGES = 10


def assert_limited(responses: list[httpx.Response], *, passed: int, code: str) -> None:
    statuses = [response.status_code for response in responses]
    assert len(statuses) - statuses.count(429) == passed, statuses
    for response in responses:
        if response.status_code == 429:
            assert response.json()["code"] == code
            assert int(response.headers["Retry-After"]) >= 1


async def test_a_password_guessing_storm_gets_five_checks_while_others_read_on(
    live_shop: LiveShop,
) -> None:
    guesser, reader = live_shop.customer_headers[:2]
    guesses = [
        live_shop.client.post(
            PASSWORD_URL,
            json={"current_password": f"guess-{index}", "new_password": NEW_PASSWORD},
            headers=guesser,
        )
        for index in range(50)
    ]
    reads = [live_shop.client.get(ME_URL, headers=reader) for _ in range(20)]

    responses = await asyncio.gather(*guesses, *reads)

    answered, read = responses[:50], responses[50:]
    assert_limited(answered, passed=PASSWORD_CHECKS, code="too_many_password_attempts")
    assert {response.status_code for response in answered} == {400, 429}
    assert [response.status_code for response in read] == [200] * 20


async def test_email_probes_fired_together_get_ten_answers(live_shop: LiveShop) -> None:
    # Each change tells whether an address is registered (409) or not (200): a directory.
    prober = live_shop.customer_headers[0]
    probes = [
        live_shop.client.patch(
            ME_URL,
            json={"email": "live2@example.com" if index % 2 else f"probe{index}@example.com"},
            headers=prober,
        )
        for index in range(30)
    ]

    responses = await asyncio.gather(*probes)

    assert_limited(responses, passed=EMAIL_CHANGES, code="too_many_email_changes")
    # Other changes to the account are not limited.
    renamed = await live_shop.client.patch(ME_URL, json={"full_name": "Ada"}, headers=prober)
    assert renamed.status_code == 200, renamed.text
