"""Who is calling: the current user from the bearer token, and role guards."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from app.core.dependencies import ReadSessionmakerDep, SettingsDep
from app.core.error_docs import raises
from app.core.errors import Unauthorized
from app.core.security import InvalidAccessToken, decode_access_token
from app.users.exceptions import AdminRequired, InvalidToken
from app.users.models import User

# Swagger's Authorize button posts the OAuth2 password form here.
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


@raises(Unauthorized, InvalidToken)
async def get_current_user(
    request: Request,
    sessions: ReadSessionmakerDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(bearer_scheme)],
) -> User:
    if token is None:
        raise Unauthorized
    try:
        claims = decode_access_token(token, settings=settings)
    except InvalidAccessToken:
        raise InvalidToken from None
    # Looked up on every request, so deactivating or deleting a user, or changing their
    # password (which moves their token version on), takes effect at once. In a short read of
    # its own, whichever session the route takes: its connection is back in the pool before
    # the route starts, not held beside the route's own while it writes or checks a password.
    async with sessions() as session:
        user = await session.get(User, claims.user_id)
    if user is None or not user.is_active or user.token_version != claims.token_version:
        raise InvalidToken
    request.state.user_id = user.id
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


@raises(AdminRequired)
async def require_admin(user: CurrentUser) -> User:
    if not user.role.is_admin:
        raise AdminRequired
    return user


AdminUser = Annotated[User, Depends(require_admin)]
