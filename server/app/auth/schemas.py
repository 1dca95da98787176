from typing import Annotated, Literal

from pydantic import StringConstraints

from app.core.schemas import InputModel, OutputModel

# Long enough for any real credential, short enough that nobody hashes a megabyte.
CredentialText = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class LoginRequest(InputModel):
    username: CredentialText
    password: CredentialText


class RefreshRequest(InputModel):
    refresh_token: CredentialText | None = None


class TokenPair(OutputModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
