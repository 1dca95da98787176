"""Sign-in, token refresh with rotation and reuse detection, sign-out, registration."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import refresh_tokens
from app.auth.exceptions import (
    InvalidCredentials,
    InvalidRefreshToken,
    RefreshTokenReused,
    RegistrationClosed,
)
from app.auth.login_throttle import LoginThrottle
from app.auth.schemas import TokenPair
from app.core.config import Settings
from app.core.security import burn_password_check, create_access_token, verify_password
from app.users import service as users_service
from app.users.models import User
from app.users.schemas import UserRegister


async def _issue_pair(
    session: AsyncSession,
    *,
    user_id: int,
    settings: Settings,
    family_id: uuid.UUID | None = None,
) -> TokenPair:
    refresh_token = await refresh_tokens.issue(
        session,
        user_id=user_id,
        lifetime=timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS),
        family_id=family_id,
    )
    return TokenPair(
        access_token=create_access_token(subject=user_id, settings=settings),
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
    throttle: LoginThrottle,
    settings: Settings,
) -> TokenPair:
    await throttle.ensure_allowed(username=username, ip=client_ip)
    user = await authenticate(session, username=username, password=password)
    if user is None:
        await throttle.record_failure(username=username, ip=client_ip)
        raise InvalidCredentials
    await throttle.forget_username(username)
    return await _issue_pair(session, user_id=user.id, settings=settings)


async def refresh(session: AsyncSession, *, presented: str, settings: Settings) -> TokenPair:
    stored = await refresh_tokens.find_for_update(session, presented)
    if stored is None:
        raise InvalidRefreshToken
    if stored.used_at is not None:
        # Someone holds a copy of a token that was already rotated: end the whole line.
        await refresh_tokens.revoke_family(session, stored.family_id)
        # The revocation must outlive the 401, which rolls the request transaction back.
        await session.commit()
        raise RefreshTokenReused
    user = await session.get(User, stored.user_id)
    expired = stored.expires_at <= datetime.now(UTC)
    if stored.revoked_at is not None or expired or user is None or not user.is_active:
        raise InvalidRefreshToken
    await refresh_tokens.mark_used(session, stored)
    return await _issue_pair(
        session, user_id=stored.user_id, settings=settings, family_id=stored.family_id
    )


async def logout(session: AsyncSession, *, presented: str) -> None:
    stored = await refresh_tokens.find_for_update(session, presented)
    if stored is not None and stored.revoked_at is None and stored.used_at is None:
        await refresh_tokens.revoke(session, stored)


async def register(session: AsyncSession, data: UserRegister, *, settings: Settings) -> User:
    if not settings.ALLOW_REGISTRATION:
        raise RegistrationClosed
    return await users_service.register_user(session, data)
