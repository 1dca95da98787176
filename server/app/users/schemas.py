from datetime import datetime
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StrictBool, StringConstraints

from app.core.pagination import PageParams
from app.core.schemas import InputModel, NotNull, OutputModel, Password, Username
from app.users.models import UserRole

FullName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
UserSort = Literal["username", "-username", "email", "-email", "created_at", "-created_at"]


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
    username: Username
    email: EmailStr
    password: Password
    full_name: FullName | None = None


class UserCreate(UserRegister):
    role: UserRole = UserRole.USER
    # JSON true or false only: "0" or "no" for a flag that locks someone out is a mistake.
    is_active: StrictBool = True


class UserUpdateMe(InputModel):
    email: Annotated[EmailStr | None, NotNull] = None
    full_name: FullName | None = None


class UserUpdate(UserUpdateMe):
    role: Annotated[UserRole | None, NotNull] = None
    is_active: Annotated[StrictBool | None, NotNull] = None
    password: Annotated[Password | None, NotNull] = None


class PasswordSet(InputModel):
    """A new password set by an operator (`order-system set-password`)."""

    password: Password


class PasswordChange(InputModel):
    current_password: Annotated[str, StringConstraints(max_length=1024)]
    new_password: Password


class UserListParams(PageParams):
    search: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, description="Part of the username or email, any case"
    )
    role: UserRole | None = None
    is_active: bool | None = None
    sort: UserSort = "-created_at"
