from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StrictBool, StringConstraints

from app.core.addresses import EXAMPLE_ADDRESS, ShippingAddress
from app.core.locales import Locale
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


class UserRefusal(StrEnum):
    """Why the current user may not do something to an account: `not_admin` (only admins
    manage accounts), `self` (your own account, changed through `/api/users/me`),
    `higher_role` (only a superadmin manages admins and superadmins), `first_superuser` (it
    stays an active superadmin and is never deleted)."""

    NOT_ADMIN = "not_admin"
    SELF = "self"
    HIGHER_ROLE = "higher_role"
    FIRST_SUPERUSER = "first_superuser"


class UserActionVerdict(OutputModel):
    allowed: bool
    refused_because: UserRefusal | None = Field(description="Why not, when not allowed")


class UserPermissions(OutputModel):
    """What the current user may do with this account now; the API refuses anything else."""

    edit: UserActionVerdict = Field(
        description="Change its email, full name or password (`PATCH /api/users/{user_id}`)"
    )
    change_access: UserActionVerdict = Field(description="Change its role or its active state")
    delete: UserActionVerdict = Field(
        description="Delete it, as far as roles go: an account that placed orders is still "
        "refused (`user_has_orders`), to be deactivated instead"
    )
    assignable_roles: list[UserRole] = Field(
        description="The roles `PATCH` accepts for it: its own role alone unless "
        "`change_access` is allowed; none unless `edit` is"
    )


class UserPublic(OutputModel):
    """An account, with what the current user may do with it."""

    id: int
    username: str
    email: str
    full_name: str | None
    role: UserRole
    is_active: bool
    created_at: datetime
    updated_at: datetime
    permissions: UserPermissions


class CurrentUserPublic(UserPublic):
    """Your own account, as `/api/users/me` shows it."""

    new_account_roles: list[UserRole] = Field(
        description="The roles you may give an account you create (`POST /api/users`); "
        "none unless you are an admin"
    )
    default_shipping_address: ShippingAddress | None = Field(
        description="Where your orders ship when they name no address; the checkout starts from it"
    )
    locale: Locale = Field(description="The language of your mails")
    order_emails: bool = Field(
        description="Whether you get mail when your orders are placed, paid, shipped or "
        "cancelled; password resets are mailed regardless"
    )


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
    locale: Locale | None = Field(
        default=None,
        description="The language of the account's mails; English unless given (at sign-up, "
        "the language `Accept-Language` prefers)",
    )


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


class AccountChanges(InputModel):
    email: Annotated[EmailStr | None, NotNull] = None
    full_name: FullName | None = None


class UserUpdateMe(AccountChanges):
    model_config = example_body(
        {
            "email": "alice.m@example.org",
            "full_name": "Alice Martin-Berg",
            "default_shipping_address": EXAMPLE_ADDRESS,
            "locale": "zh-CN",
            "order_emails": False,
        }
    )

    default_shipping_address: ShippingAddress | None = Field(
        default=None,
        description="Where your orders ship when they name no address; null clears it. "
        "Orders already placed keep the address they were placed with.",
    )
    locale: Annotated[Locale | None, NotNull] = Field(
        default=None, description="The language of your mails"
    )
    order_emails: Annotated[StrictBool | None, NotNull] = Field(
        default=None, description="Mail about your orders (placed, paid, shipped, cancelled)"
    )


class UserUpdate(AccountChanges):
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
