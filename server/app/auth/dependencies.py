"""Who is calling: the current user from the bearer token, and role guards."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from app.auth.exceptions import AdminRequired, InvalidToken
from app.auth.login_throttle import LoginThrottle
from app.core.dependencies import SessionDep, SettingsDep
from app.core.errors import Unauthorized
from app.core.security import InvalidAccessToken, decode_access_token
from app.users.models import User

# Swagger's Authorize button posts the OAuth2 password form here.
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


async def get_current_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(bearer_scheme)],
) -> User:
    if token is None:
        raise Unauthorized
    try:
        user_id = decode_access_token(token, settings=settings)
    except InvalidAccessToken:
        raise InvalidToken from None
    # Looked up on every request, so deactivating or deleting a user takes effect at once.
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise InvalidToken
    request.state.user_id = user.id
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def require_admin(user: CurrentUser) -> User:
    if not user.role.is_admin:
        raise AdminRequired
    return user


AdminUser = Annotated[User, Depends(require_admin)]


async def get_login_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


LoginThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]
