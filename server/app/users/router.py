from typing import Annotated

from fastapi import APIRouter, Query, status

from app.core.config import Settings
from app.core.dependencies import ReadSessionDep, SessionDep, SettingsDep, ThrottleDep
from app.core.error_docs import errors
from app.core.errors import RateLimited
from app.core.pagination import PAGE_ERRORS, Page
from app.core.routing import ApiRoute
from app.core.schemas import RowId
from app.users import service
from app.users.callers import Caller
from app.users.dependencies import AdminUser, CurrentUser, CurrentUserRow
from app.users.exceptions import (
    CannotChangeOwnAccess,
    CannotDeleteSelf,
    EmailTaken,
    FirstSuperuserProtected,
    IncorrectPassword,
    RoleNotAssignable,
    TooManyEmailChanges,
    TooManyPasswordAttempts,
    UserHasOrders,
    UsernameTaken,
    UserNotFound,
    UserNotManageable,
)
from app.users.models import User
from app.users.schemas import (
    CurrentUserPublic,
    PasswordChange,
    UserCreate,
    UserListParams,
    UserPublic,
    UserUpdate,
    UserUpdateMe,
)

router = APIRouter(prefix="/api/users", tags=["users"], route_class=ApiRoute)


def _public(user: User, viewer: Caller, settings: Settings) -> UserPublic:
    return UserPublic.of(
        user, permissions=service.permissions(actor=viewer, target=user, settings=settings)
    )


def _current(user: User, settings: Settings) -> CurrentUserPublic:
    caller = Caller.of(user)
    return CurrentUserPublic.of(
        user,
        permissions=service.permissions(actor=caller, target=user, settings=settings),
        new_account_roles=service.grantable_roles(caller),
    )


@router.get("/me")
async def read_me(user: CurrentUserRow, settings: SettingsDep) -> CurrentUserPublic:
    """Your own account, for any signed-in user, with the roles you may give a new account."""
    return _current(user, settings)


@router.patch("/me", responses=errors(UserNotFound, EmailTaken, TooManyEmailChanges))
async def update_me(
    changes: UserUpdateMe,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
) -> CurrentUserPublic:
    """Change your own email, full name, default shipping address, mail language or order
    mails, for any signed-in user; a few email changes an hour. Role, status and password
    change elsewhere."""
    updated = await service.update_me(session, user, changes, throttle=throttle)
    return _current(updated, settings)


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(UserNotFound, IncorrectPassword, TooManyPasswordAttempts, RateLimited),
)
async def change_my_password(
    data: PasswordChange, user: CurrentUserRow, session: SessionDep, throttle: ThrottleDep
) -> None:
    """Change your password; every session you have ends, this one included (sign in again
    with the new password). Five attempts per 15 minutes."""
    await service.change_password(session, user, data, throttle=throttle)


@router.get("", responses=errors(*PAGE_ERRORS))
async def list_users(
    params: Annotated[UserListParams, Query()],
    actor: AdminUser,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> Page[UserPublic]:
    """Every account, paged, searchable by username or email; admins only."""
    page = await service.list_users(session, params)
    return Page[UserPublic].of(page.map(lambda user: _public(user, actor, settings)), params)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=errors(RoleNotAssignable, UsernameTaken, EmailTaken),
)
async def create_user(
    data: UserCreate, actor: AdminUser, session: SessionDep, settings: SettingsDep
) -> UserPublic:
    """Admins create `user`s; only a superadmin creates admins and superadmins."""
    created = await service.create_user(session, actor=actor, data=data)
    return _public(created, actor, settings)


@router.get("/{user_id:not_me}", responses=errors(UserNotFound))
async def read_user(
    user_id: RowId, viewer: CurrentUser, session: ReadSessionDep, settings: SettingsDep
) -> UserPublic:
    """An account by id: your own, or anyone's for admins (someone else's is a 404 to a
    user)."""
    user = await service.get_visible_user(session, viewer=viewer, user_id=user_id)
    return _public(user, viewer, settings)


@router.patch(
    "/{user_id:not_me}",
    responses=errors(
        UserNotFound,
        RoleNotAssignable,
        UserNotManageable,
        CannotChangeOwnAccess,
        FirstSuperuserProtected,
        UsernameTaken,
        EmailTaken,
    ),
)
async def update_user(
    user_id: RowId,
    changes: UserUpdate,
    actor: AdminUser,
    session: SessionDep,
    settings: SettingsDep,
) -> UserPublic:
    """Change someone's account; admins only. Admins manage `user`s, superadmins anyone,
    nobody their own role or active state; a new password or a deactivation ends the
    account's sessions. The first superuser is never demoted or deactivated. What the caller
    may change is in each user's `permissions`."""
    target = await service.lock_user(session, user_id)
    updated = await service.update_user(
        session, actor=actor, target=target, changes=changes, settings=settings
    )
    return _public(updated, actor, settings)


@router.delete(
    "/{user_id:not_me}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(
        UserNotFound, UserNotManageable, CannotDeleteSelf, FirstSuperuserProtected, UserHasOrders
    ),
)
async def delete_user(
    user_id: RowId, actor: AdminUser, session: SessionDep, settings: SettingsDep
) -> None:
    """Delete an account; admins only, under the same rules as changing it. Not yourself,
    not the first superuser, and not an account with orders (deactivate it instead)."""
    target = await service.lock_user(session, user_id)
    await service.delete_user(session, actor=actor, target=target, settings=settings)
