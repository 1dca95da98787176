"""Who is calling: the current user from the bearer token, and role guards."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from app.core.dependencies import ReadSessionmakerDep, SettingsDep
from app.core.error_docs import raises
from app.core.errors import Unauthorized
from app.core.security import InvalidAccessToken, decode_access_token
from app.users.callers import Caller, CallerCache
from app.users.exceptions import AdminRequired, InvalidToken
from app.users.models import User

# Swagger's Authorize button posts the OAuth2 password form here.
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


async def get_caller_cache(request: Request) -> CallerCache:
    callers: CallerCache = request.app.state.callers
    return callers


@raises(Unauthorized, InvalidToken)
async def get_current_user(
    request: Request,
    sessions: ReadSessionmakerDep,
    callers: Annotated[CallerCache, Depends(get_caller_cache)],
    settings: SettingsDep,
    token: Annotated[str | None, Depends(bearer_scheme)],
) -> Caller:
    if token is None:
        raise Unauthorized
    try:
        claims = decode_access_token(token, settings=settings)
    except InvalidAccessToken:
        raise InvalidToken from None
    # Deactivating or deleting a user, or changing their password (which moves their token
    # version on), takes effect at once: see app/users/callers.py for how the cache keeps up.
    caller = await callers.find(sessions, claims.user_id)
    if caller is not None and caller.token_version < claims.token_version:
        # A token newer than the cached account: its password changed, and the news of it is
        # still on its way here.
        caller = await callers.find(sessions, claims.user_id, fresh=True)
    if caller is None or caller.token_version != claims.token_version:
        raise InvalidToken
    request.state.user_id = caller.id
    return caller


CurrentUser = Annotated[Caller, Depends(get_current_user)]


async def get_current_user_row(caller: CurrentUser, sessions: ReadSessionmakerDep) -> User:
    """The caller's whole account, for the routes that show it or check its password; read
    in a short session of its own like the caller, so no connection is held meanwhile. Its
    InvalidToken (the account deleted in between) is among `get_current_user`'s."""
    async with sessions() as session:
        user = await session.get(User, caller.id)
    if user is None:
        raise InvalidToken
    return user


CurrentUserRow = Annotated[User, Depends(get_current_user_row)]


@raises(AdminRequired)
async def require_admin(user: CurrentUser) -> Caller:
    if not user.role.is_admin:
        raise AdminRequired
    return user


AdminUser = Annotated[Caller, Depends(require_admin)]
