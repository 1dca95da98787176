from typing import Annotated, Literal

from pydantic import EmailStr, Field, StrictBool, StringConstraints

from app.core.schemas import (
    InputModel,
    LoginName,
    OutputModel,
    Password,
    RequestModel,
    example_body,
)
from app.users.schemas import EXAMPLE_PASSWORD, EXAMPLE_USERNAME

# Long enough for any real credential, short enough that nobody hashes a megabyte.
CredentialText = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class LoginRequest(InputModel):
    model_config = example_body({"username": EXAMPLE_USERNAME, "password": EXAMPLE_PASSWORD})

    username: LoginName
    password: CredentialText
    refresh_cookie: StrictBool = Field(
        default=False,
        description=(
            "For browsers: the refresh token goes into an httpOnly cookie and never into the "
            "body, where the page's scripts could read it. Left out, the body carries it."
        ),
    )


class PasswordForm(RequestModel):
    """The OAuth2 password grant as a form (RFC 6749 4.3), as Swagger's Authorize sends it.
    Scopes and client credentials are accepted and not used."""

    grant_type: Literal["password"] | None = None
    # Swagger fills a form field by field: a form takes its examples on its fields.
    username: LoginName = Field(examples=[EXAMPLE_USERNAME])
    password: CredentialText = Field(examples=[EXAMPLE_PASSWORD])
    scope: str = ""
    client_id: str | None = None
    client_secret: str | None = None


class RefreshRequest(InputModel):
    model_config = example_body({"refresh_token": "kX3v9Qb2LwT7mN4pR8sY1cZ6hJ0fD5gAeUoI2qWlE-w"})

    refresh_token: CredentialText | None = None


class AccessToken(OutputModel):
    """A browser session's answer: its refresh token is in the httpOnly cookie only."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - OAuth2's token type, not a secret
    expires_in: int


class TokenPair(AccessToken):
    """An API client's answer: it keeps the refresh token itself."""

    refresh_token: str

    def without_refresh_token(self) -> AccessToken:
        return AccessToken.model_validate(self.model_dump(exclude={"refresh_token"}))


# The reset token of the example arrangement (tests/core/test_openapi_examples.py).
EXAMPLE_RESET_TOKEN = "Zr8Qm2VxK7pL4nT9wB1cY6hJ3fD0gAeUoI5sWlE-xNk"  # noqa: S105


class PasswordResetRequest(InputModel):
    model_config = example_body({"email": "mei.chen@example.com"})

    email: EmailStr


class PasswordResetRequested(OutputModel):
    """The same answer whether or not an account has the address."""

    detail: str = (
        "If an active account has this address, a link to reset its password is on its way."
    )


class PasswordResetConfirm(InputModel):
    model_config = example_body(
        {"token": EXAMPLE_RESET_TOKEN, "new_password": "staple-battery-horse-correct"}
    )

    token: CredentialText = Field(description="The `token` of the link in the reset mail")
    new_password: Password
