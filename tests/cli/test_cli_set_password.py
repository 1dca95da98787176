"""`order-system set-password`: a new password, asked for and never echoed, that ends every
session of the account as the API sees it."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from cli_support import assert_fails, migrated, password_matches, run, run_ok
from helpers import (
    assert_ok,
    assert_unauthorized,
    client_for,
    login,
    read_me,
    refresh,
    running_app,
    settings_for,
    sign_in,
)
from sqlalchemy.engine import URL

T = TypeVar("T")

OLD_PASSWORD = "the-old-password"
NEW_PASSWORD = "a-brand-new-password"


@pytest.fixture
def database(scratch_database_url: URL) -> URL:
    """A database with one account, Carol, whose password is OLD_PASSWORD."""
    url = migrated(scratch_database_url)
    run_ok(
        url, "create-user", "Carol", "--email", "carol@example.com", "--role", "user",
        "--password", OLD_PASSWORD,
    )  # fmt: skip
    return url


def _on_api(url: URL, call: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    """`call` with a client of the API running on `url`."""

    async def run_app() -> T:
        async with running_app(settings_for(url)) as app, client_for(app) as client:
            return await call(client)

    return asyncio.run(run_app())


def _sign_in(url: URL) -> dict[str, Any]:
    return _on_api(url, lambda client: sign_in(client, "carol", OLD_PASSWORD))


def test_set_password_asks_twice_never_echoes_and_ends_every_session(database: URL) -> None:
    old_pair = _sign_in(database)

    result = run(database, "set-password", "CAROL", input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation:" in result.output
    assert NEW_PASSWORD not in result.output
    assert "Set the password of Carol; every session of theirs has ended." in result.output
    assert password_matches(database, "Carol", NEW_PASSWORD)

    async def after(client: httpx.AsyncClient) -> None:
        refused = await refresh(client, old_pair["refresh_token"])
        assert_unauthorized(refused, "invalid_refresh_token")
        assert_unauthorized(await read_me(client, old_pair["access_token"]), "invalid_token")
        assert (await login(client, "carol", OLD_PASSWORD)).status_code == 401
        assert_ok(await login(client, "carol", NEW_PASSWORD))

    _on_api(database, after)


def test_scripts_give_the_password_on_stdin(database: URL) -> None:
    output = run_ok(
        database, "set-password", "carol", "--password-stdin", input=f"{NEW_PASSWORD}\n"
    )
    assert "New password" not in output
    assert NEW_PASSWORD not in output
    assert password_matches(database, "Carol", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("seven77", "password: Password must be at least 8 characters"),
        ("é" * 37, "password: Password must be at most 72 bytes in UTF-8; this one is 74"),
        ("pass\x00word", "password: Text may not contain NUL"),
    ],
)
def test_a_password_the_api_refuses_is_refused_and_nothing_changes(
    database: URL, password: str, message: str
) -> None:
    old_pair = _sign_in(database)
    result = run(database, "set-password", "carol", input=f"{password}\n{password}\n")
    assert_fails(result, message)
    assert password not in result.output
    assert password_matches(database, "Carol", OLD_PASSWORD)
    # The sessions go on.
    assert_ok(_on_api(database, lambda client: refresh(client, old_pair["refresh_token"])))


def test_an_unknown_account_is_a_clear_error(database: URL) -> None:
    assert_fails(
        run(database, "set-password", "nobody", input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"),
        "User not found",
    )
