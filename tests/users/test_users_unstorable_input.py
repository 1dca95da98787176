"""Text that PostgreSQL or bcrypt can't take must be refused as input, never reach them as a 500.

A NUL character is valid JSON (`"\\u0000"`) and passes every string check in the schemas, but
PostgreSQL text can't hold it and bcrypt refuses it. These tests use a client that receives
the response a real server would send instead of the exception, so a failure reads as 500.
"""

from typing import Any

import httpx
import pytest
from conftest import AuthHeaders
from helpers import DEFAULT_PASSWORD, NEW_PASSWORD, assert_error, new_account

from app.users.models import User

NUL = "\x00"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("PATCH", "/api/users/me", {"full_name": f"Ada{NUL}"}, id="me-full_name"),
        pytest.param(
            "POST", "/api/users", new_account(full_name=f"Ada{NUL}"), id="create-full_name"
        ),
        pytest.param("PATCH", "/api/users/{id}", {"full_name": f"Ada{NUL}"}, id="update-full_name"),
        pytest.param(
            "POST",
            "/api/auth/register",
            new_account(full_name=f"Ada{NUL}"),
            id="register-full_name",
        ),
        pytest.param(
            "POST", "/api/users", new_account(password=f"pass{NUL}word"), id="create-password"
        ),
        pytest.param(
            "PATCH", "/api/users/{id}", {"password": f"pass{NUL}word"}, id="update-password"
        ),
        pytest.param(
            "POST",
            "/api/users/me/password",
            {"current_password": DEFAULT_PASSWORD, "new_password": f"pass{NUL}word"},
            id="me-new_password",
        ),
    ],
)
async def test_a_nul_character_in_a_stored_field_is_422(
    served: httpx.AsyncClient,
    admin: User,
    user: User,
    auth_headers: AuthHeaders,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    # The admin acts on itself through /me and on a plain user through /{id}.
    response = await served.request(
        method, path.format(id=user.id), json=body, headers=auth_headers(admin)
    )

    assert_error(response, 422, "validation_error")


async def test_a_nul_character_in_the_current_password_is_422(
    served: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    response = await served.post(
        "/api/users/me/password",
        json={"current_password": f"pass{NUL}word", "new_password": NEW_PASSWORD},
        headers=auth_headers(user),
    )

    assert_error(response, 422, "validation_error")


async def test_a_nul_character_in_the_search_term_is_422(
    served: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders
) -> None:
    response = await served.get(
        "/api/users", params={"search": f"a{NUL}b"}, headers=auth_headers(admin)
    )

    assert_error(response, 422, "validation_error")
