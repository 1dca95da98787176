"""`python -m app.cli create-user`: accounts of any role, validated as the API validates them."""

import pytest
from cli_support import assert_fails, fetch, migrated, password_matches, run, run_ok
from sqlalchemy.engine import URL
from typer.testing import Result

PASSWORD = "a-long-enough-password"


@pytest.fixture
def database(scratch_database_url: URL) -> URL:
    return migrated(scratch_database_url)


def _accounts(url: URL) -> list[tuple[str, str, str, bool]]:
    rows = fetch(url, "SELECT username, email, role, is_active FROM users ORDER BY id")
    return [(row.username, row.email, row.role, row.is_active) for row in rows]


@pytest.mark.parametrize(
    ("arguments", "typed"),
    [(("--password", PASSWORD), None), ((), f"{PASSWORD}\n{PASSWORD}\n")],
    ids=["password-option", "password-prompt"],
)
def test_create_user(database: URL, arguments: tuple[str, ...], typed: str | None) -> None:
    result = run(
        database,
        "create-user", "Boss",
        "--email", "boss@example.com",
        "--role", "superadmin",
        "--full-name", "The Boss",
        *arguments,
        input=typed,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created superadmin Boss" in result.output
    # Asked for twice, and never echoed.
    assert ("Repeat for confirmation:" in result.output) == (typed is not None)
    assert PASSWORD not in result.output
    assert _accounts(database) == [("Boss", "boss@example.com", "superadmin", True)]
    assert password_matches(database, "Boss", PASSWORD)


def test_a_mistyped_confirmation_asks_again(database: URL) -> None:
    output = run_ok(
        database,
        "create-user", "careful", "--email", "careful@example.com", "--role", "user",
        input=f"{PASSWORD}\nsomething-else\n{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert "do not match" in output
    assert password_matches(database, "careful", PASSWORD)


def _create_user(
    url: URL, username: str, *, email: str | None = None, role: str = "user", password: str
) -> Result:
    email = email or f"{username}@example.com"
    return run(
        url, "create-user", username, "--email", email, "--role", role, "--password", password
    )


@pytest.mark.parametrize(
    ("username", "email", "message"),
    [
        # Usernames are unique whatever the case, emails too.
        ("ALICE", "other@example.com", "This username is already taken"),
        ("bob", "Alice@Example.com", "This email is already registered"),
    ],
)
def test_a_taken_username_or_email_is_a_clear_error(
    database: URL, username: str, email: str, message: str
) -> None:
    assert _create_user(database, "alice", password=PASSWORD).exit_code == 0
    assert_fails(_create_user(database, username, email=email, password=PASSWORD), message)
    assert [account[0] for account in _accounts(database)] == ["alice"]


@pytest.mark.parametrize(
    ("username", "email", "password", "messages"),
    [
        ("ab", None, PASSWORD, ("username: ", "at least 3")),
        ("no spaces", "spaces@example.com", PASSWORD, ("username: String should match pattern",)),
        ("mailless", "not-an-email", PASSWORD, ("email: value is not a valid email address",)),
        ("shorty", None, "short", ("password: Password must be at least 8 characters",)),
        ("longy", None, "é" * 37, ("password: Password must be at most 72 bytes",)),
        ("nul", None, "pass\x00word", ("password: Text may not contain NUL",)),
    ],
)
def test_input_the_api_refuses_is_refused_with_the_same_reasons(
    database: URL, username: str, email: str | None, password: str, messages: tuple[str, ...]
) -> None:
    result = _create_user(database, username, email=email, password=password)
    assert_fails(result, *messages)
    assert password not in result.output
    assert _accounts(database) == []


def test_the_role_must_be_one_of_the_three(database: URL) -> None:
    result = _create_user(database, "owner", role="owner", password=PASSWORD)
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.stderr
    assert "'owner' is not one of 'superadmin'," in result.stderr
    assert _accounts(database) == []


def test_an_unreachable_database_is_a_message_not_a_traceback(database: URL) -> None:
    unreachable = database.set(host="127.0.0.1", port=1, query={})
    result = _create_user(unreachable, "lonely", password=PASSWORD)
    assert_fails(result, "can't use the database postgresql+asyncpg://")
