from datetime import datetime
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StrictBool, StringConstraints

from app.core.pagination import PageParams
from app.core.schemas import (
    InputModel,
    NotNull,
    OutputModel,
    Password,
    Username,
    example_body,
)
from app.users.models import UserRole

FullName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
UserSort = Literal["username", "-username", "email", "-email", "created_at", "-created_at"]

# The account the examples follow through Swagger: registered, signed in, its password changed.
EXAMPLE_USERNAME = "alice.martin"
EXAMPLE_PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - a documented example


class UserPublic(OutputModel):
    id: int
    username: str
    email: str
    full_name: str | None
    role: UserRole
    is_active: bool
    created_at: datetime
    updated_at: datetime


class UserRegister(InputModel):
    model_config = example_body(
        {
            "username": EXAMPLE_USERNAME,
            "email": "alice.martin@example.com",
            "password": EXAMPLE_PASSWORD,
            "full_name": "Alice Martin",
        }
    )

    username: Username
    email: EmailStr
    password: Password
    full_name: FullName | None = None


class UserCreate(UserRegister):
    model_config = example_body(
        {
            "username": "tom.berg",
            "email": "tom.berg@example.com",
            "password": "Warehouse-shift-2026",
            "full_name": "Tom Berg",
            "role": "user",
            "is_active": True,
        }
    )

    role: UserRole = UserRole.USER
    # JSON true or false only: "0" or "no" for a flag that locks someone out is a mistake.
    is_active: StrictBool = True


class UserUpdateMe(InputModel):
    model_config = example_body({"email": "alice.m@example.org", "full_name": "Alice Martin-Berg"})

    email: Annotated[EmailStr | None, NotNull] = None
    full_name: FullName | None = None


class UserUpdate(UserUpdateMe):
    model_config = example_body({"full_name": "Thomas Berg", "is_active": False})

    role: Annotated[UserRole | None, NotNull] = None
    is_active: Annotated[StrictBool | None, NotNull] = None
    password: Annotated[Password | None, NotNull] = None


class PasswordSet(InputModel):
    """A new password set by an operator (`order-system set-password`)."""

    password: Password


class PasswordChange(InputModel):
    model_config = example_body(
        {"current_password": EXAMPLE_PASSWORD, "new_password": "staple-battery-horse-correct"}
    )

    current_password: Annotated[str, StringConstraints(max_length=1024)]
    new_password: Password


class UserListParams(PageParams):
    search: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, description="Part of the username or email, any case"
    )
    role: UserRole | None = None
    is_active: bool | None = None
    sort: UserSort = "-created_at"
