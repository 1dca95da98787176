from typing import Annotated

from fastapi import APIRouter, Query, status

from app.core.dependencies import ReadSessionDep, SessionDep, SettingsDep, ThrottleDep
from app.core.errors import error_responses
from app.core.pagination import Page
from app.core.routing import StrictJSONRoute
from app.core.schemas import RowId
from app.users import service
from app.users.dependencies import AdminUser, CurrentUser
from app.users.schemas import (
    PasswordChange,
    UserCreate,
    UserListParams,
    UserPublic,
    UserUpdate,
    UserUpdateMe,
)

router = APIRouter(
    prefix="/api/users", tags=["users"], responses=error_responses(401), route_class=StrictJSONRoute
)


@router.get("/me")
async def read_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.patch("/me", responses=error_responses(409, 429, body=True))
async def update_me(
    changes: UserUpdateMe, user: CurrentUser, session: SessionDep, throttle: ThrottleDep
) -> UserPublic:
    """Change your own email or full name; a few email changes an hour."""
    updated = await service.update_me(session, user, changes, throttle=throttle)
    return UserPublic.model_validate(updated)


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(400, 429, body=True),
)
async def change_my_password(
    data: PasswordChange, user: CurrentUser, session: SessionDep, throttle: ThrottleDep
) -> None:
    """Change your password; every session you have ends, this one included (sign in again
    with the new password). Five attempts per 15 minutes."""
    await service.change_password(session, user, data, throttle=throttle)


@router.get("", responses=error_responses(403, 422))
async def list_users(
    params: Annotated[UserListParams, Query()], _: AdminUser, session: ReadSessionDep
) -> Page[UserPublic]:
    page = await service.list_users(session, params)
    return Page[UserPublic].of(page, params)


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=error_responses(403, 409, body=True)
)
async def create_user(data: UserCreate, actor: AdminUser, session: SessionDep) -> UserPublic:
    """Admins create `user`s; only a superadmin creates admins and superadmins."""
    return UserPublic.model_validate(await service.create_user(session, actor=actor, data=data))


@router.get("/{user_id:not_me}", responses=error_responses(404))
async def read_user(user_id: RowId, viewer: CurrentUser, session: ReadSessionDep) -> UserPublic:
    """Yourself, or anyone if you are an admin."""
    return UserPublic.model_validate(
        await service.get_visible_user(session, viewer=viewer, user_id=user_id)
    )


@router.patch("/{user_id:not_me}", responses=error_responses(403, 404, 409, body=True))
async def update_user(
    user_id: RowId,
    changes: UserUpdate,
    actor: AdminUser,
    session: SessionDep,
    settings: SettingsDep,
) -> UserPublic:
    target = await service.lock_user(session, user_id)
    updated = await service.update_user(
        session, actor=actor, target=target, changes=changes, settings=settings
    )
    return UserPublic.model_validate(updated)


@router.delete(
    "/{user_id:not_me}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(403, 404, 409),
)
async def delete_user(
    user_id: RowId, actor: AdminUser, session: SessionDep, settings: SettingsDep
) -> None:
    target = await service.lock_user(session, user_id)
    await service.delete_user(session, actor=actor, target=target, settings=settings)
