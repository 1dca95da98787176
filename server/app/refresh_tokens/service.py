"""Issuing, rotating and revoking refresh tokens: opaque random strings stored as SHA-256."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import delete_some
from app.refresh_tokens.models import RefreshToken


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Family:
    """The line of tokens one sign-in started, and when the whole line ends."""

    id: uuid.UUID
    expires_at: datetime

    @classmethod
    def start(cls, lifetime: timedelta) -> "Family":
        return cls(uuid.uuid4(), datetime.now(UTC) + lifetime)

    @classmethod
    def of(cls, token: RefreshToken) -> "Family":
        return cls(token.family_id, token.family_expires_at)


async def issue(session: AsyncSession, *, user_id: int, lifetime: timedelta, family: Family) -> str:
    """A new token for the user in `family`, ending after `lifetime` or with its family,
    whichever comes first; returns the token itself."""
    token = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            user_id=user_id,
            family_id=family.id,
            family_expires_at=family.expires_at,
            token_hash=_digest(token),
            expires_at=min(datetime.now(UTC) + lifetime, family.expires_at),
        )
    )
    await session.flush()
    return token


async def find_for_update(session: AsyncSession, token: str) -> RefreshToken | None:
    """The stored token, locked so two concurrent refreshes can't both rotate it."""
    statement = (
        select(RefreshToken).where(RefreshToken.token_hash == _digest(token)).with_for_update()
    )
    return await session.scalar(statement)


async def mark_used(session: AsyncSession, token: RefreshToken) -> None:
    token.used_at = datetime.now(UTC)
    await session.flush()


async def revoke(session: AsyncSession, token: RefreshToken) -> None:
    token.revoked_at = datetime.now(UTC)
    await session.flush()


async def _revoke_live(session: AsyncSession, condition: ColumnElement[bool]) -> None:
    await session.execute(
        update(RefreshToken)
        .where(condition, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await _revoke_live(session, RefreshToken.family_id == family_id)


async def revoke_all_for_user(session: AsyncSession, user_id: int) -> None:
    await _revoke_live(session, RefreshToken.user_id == user_id)


async def delete_ended(session: AsyncSession, *, limit: int) -> int:
    """Delete up to `limit` tokens that can never be traded again, expired or revoked;
    returns how many. Rotated tokens stay until they expire: presenting one again is how a
    stolen copy is detected."""
    return await delete_some(
        session,
        RefreshToken.id,
        (RefreshToken.expires_at <= func.now()) | RefreshToken.revoked_at.is_not(None),
        limit=limit,
    )
