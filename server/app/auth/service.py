"""Sign-in, token refresh with rotation and reuse detection, sign-out, registration.

Unlike the other services, this one commits, twice, where the request layer can't: a sign-in
ends its read before bcrypt, so waiting sign-ins hold no pooled connection; and a reused
refresh token's family is revoked for good although the request then fails.
"""

from datetime import UTC, datetime, timedelta

from limits import parse
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import login_throttle
from app.auth.exceptions import (
    InvalidCredentials,
    InvalidRefreshToken,
    RefreshTokenReused,
    RegistrationClosed,
    TooManyRegistrations,
)
from app.auth.schemas import TokenPair
from app.core import metrics
from app.core.config import Settings
from app.core.security import burn_password_check, create_access_token, verify_password
from app.core.throttle import LimitName, Throttle
from app.refresh_tokens import service as refresh_tokens
from app.refresh_tokens.models import RefreshToken
from app.refresh_tokens.service import Family
from app.users import service as users_service
from app.users.models import User
from app.users.schemas import UserRegister

# Each registration answers whether a username or email is taken: a budget per address keeps
# that from becoming a directory of the shop's customers, and mass sign-ups slow.
REGISTRATIONS_PER_ADDRESS = parse("10 per hour")


async def _issue_pair(
    session: AsyncSession, *, user: User, settings: Settings, family: Family
) -> TokenPair:
    refresh_token = await refresh_tokens.issue(
        session,
        user_id=user.id,
        lifetime=timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS),
        family=family,
    )
    return TokenPair(
        access_token=create_access_token(
            subject=user.id, settings=settings, token_version=user.token_version
        ),
        refresh_token=refresh_token,
        expires_in=settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60,
    )


async def authenticate(session: AsyncSession, *, username: str, password: str) -> User | None:
    """The active user these credentials belong to, in the same time whether or not one exists."""
    user = await users_service.find_by_username(session, username)
    # End the read before bcrypt, which may queue for the hashing limit: waiting sign-ins must
    # not hold pooled connections that every other request needs.
    await session.commit()
    if user is None:
        await burn_password_check()
        return None
    if not await verify_password(password, user.hashed_password) or not user.is_active:
        return None
    return user


async def login(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    client_ip: str,
    throttle: Throttle,
    settings: Settings,
) -> TokenPair:
    await login_throttle.reserve_attempt(throttle, username=username, ip=client_ip)
    user = await authenticate(session, username=username, password=password)
    if user is None:
        metrics.SIGN_IN_FAILURES.inc()
        raise InvalidCredentials
    await login_throttle.forget_failures(throttle, username=username, ip=client_ip)
    family = Family.start(timedelta(days=settings.REFRESH_TOKEN_MAX_DAYS))
    return await _issue_pair(session, user=user, settings=settings, family=family)


async def _revoke_reused_family(session: AsyncSession, stored: RefreshToken) -> None:
    # Someone holds a copy of a token that was already rotated: end the whole line. The
    # revocation must outlive the error, which rolls the request transaction back.
    await refresh_tokens.revoke_family(session, stored.family_id)
    await session.commit()


async def refresh(session: AsyncSession, *, presented: str, settings: Settings) -> TokenPair:
    stored = await refresh_tokens.find_for_update(session, presented)
    if stored is None:
        raise InvalidRefreshToken
    if stored.used_at is not None:
        await _revoke_reused_family(session, stored)
        raise RefreshTokenReused
    user = await session.get(User, stored.user_id)
    expired = stored.expires_at <= datetime.now(UTC)
    if stored.revoked_at is not None or expired or user is None or not user.is_active:
        raise InvalidRefreshToken
    await refresh_tokens.mark_used(session, stored)
    return await _issue_pair(session, user=user, settings=settings, family=Family.of(stored))


async def logout(session: AsyncSession, *, presented: str) -> None:
    """Revoke the token. One already rotated is a copy someone kept, as at a refresh: its
    whole family ends (and the sign-out still succeeds, which is what the caller wanted)."""
    stored = await refresh_tokens.find_for_update(session, presented)
    if stored is None or stored.revoked_at is not None:
        return
    if stored.used_at is not None:
        await _revoke_reused_family(session, stored)
    else:
        await refresh_tokens.revoke(session, stored)


async def register(
    session: AsyncSession,
    data: UserRegister,
    *,
    client_ip: str,
    throttle: Throttle,
    settings: Settings,
) -> User:
    if not settings.ALLOW_REGISTRATION:
        raise RegistrationClosed
    retry_after = await throttle.reserve(
        LimitName.REGISTRATION, [(REGISTRATIONS_PER_ADDRESS, f"ip:{client_ip}")]
    )
    if retry_after is not None:
        raise TooManyRegistrations(retry_after=retry_after)
    return await users_service.register_user(session, data)
