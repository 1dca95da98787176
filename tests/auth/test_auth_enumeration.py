"""Sign-in and password changes don't tell which usernames exist: every failure answers
the same and costs the same one bcrypt check, counted here rather than timed."""

import bcrypt
import httpx
import pytest
from conftest import AuthHeaders, UserFactory
from helpers import DEFAULT_PASSWORD, LOGIN_URL, TOKEN_URL, assert_error

from app.core.security import password_context

# bcrypt reads at most 72 bytes; longer passwords take a shortcut that must cost the same.
TOO_LONG = "p" * 73


@pytest.fixture
def bcrypt_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records the cost factor of each bcrypt computation: a real check or the dummy one."""
    checks: list[int] = []
    hashpw = bcrypt.hashpw
    # passlib makes its dummy hash on first use, once per process: not per sign-in.
    password_context.dummy_verify()

    def counted_hashpw(password: bytes, salt: bytes) -> bytes:
        checks.append(int(salt.split(b"$")[2]))
        return hashpw(password, salt)

    monkeypatch.setattr(bcrypt, "hashpw", counted_hashpw)
    return checks


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("nobody-by-this-name", DEFAULT_PASSWORD),
        ("known", "not-the-password"),
        ("inactive", DEFAULT_PASSWORD),
        ("inactive", "not-the-password"),
        ("known", TOO_LONG),
        ("nobody-by-this-name", TOO_LONG),
        # Blank once trimmed: as any unknown name, not a 422 of its own.
        ("\f \u3000", DEFAULT_PASSWORD),
    ],
    ids=[
        "unknown-user",
        "wrong-password",
        "inactive-right-password",
        "inactive-wrong-password",
        "known-too-long",
        "unknown-too-long",
        "blank-once-trimmed",
    ],
)
@pytest.mark.parametrize("url", [LOGIN_URL, TOKEN_URL], ids=["json", "oauth2-form"])
async def test_every_failed_sign_in_answers_alike_after_one_bcrypt_check(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    bcrypt_checks: list[int],
    url: str,
    username: str,
    password: str,
) -> None:
    known = await make_user(username="known")
    await make_user(username="inactive", is_active=False)
    credentials = {"username": username, "password": password}
    bcrypt_checks.clear()

    if url == LOGIN_URL:
        response = await client.post(url, json=credentials)
    else:
        response = await client.post(url, data=credentials)

    assert response.json() == assert_error(response, 401, "invalid_credentials")
    assert response.json()["detail"] == "Incorrect username or password"
    assert "set-cookie" not in response.headers
    # One check, as costly as checking a real password: the stored hash's cost factor.
    assert bcrypt_checks == [int(known.hashed_password.split("$")[2])]


async def test_a_wrong_current_password_costs_one_bcrypt_check_and_says_only_that(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    bcrypt_checks: list[int],
) -> None:
    user = await make_user()
    bcrypt_checks.clear()

    response = await client.post(
        "/api/users/me/password",
        json={"current_password": "not-the-password", "new_password": "a-new-password"},
        headers=auth_headers(user),
    )

    assert response.json() == {
        "detail": "The current password is incorrect",
        "code": "incorrect_password",
    }
    assert response.status_code == 400
    assert len(bcrypt_checks) == 1


async def test_registration_reveals_a_taken_username_and_nothing_about_its_owner(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    """Registration must say the name is taken; it says nothing more."""
    await make_user(username="taken", email="owner@example.com")

    response = await client.post(
        "/api/auth/register",
        json={"username": "TAKEN", "email": "other@example.com", "password": DEFAULT_PASSWORD},
    )

    assert response.json() == {"detail": "This username is already taken", "code": "username_taken"}
    assert response.status_code == 409
