"""Password reset by mail: a random token, stored as its SHA-256, one per user (a newer
request replaces it), single-use, expiring after PASSWORD_RESET_TOKEN_MINUTES.

A request does the same whether or not the address belongs to an active account, and
answers the same: only the mail differs, and it goes out later, through the outbox.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from limits import parse
from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.exceptions import InvalidResetToken, TooManyPasswordResets
from app.auth.models import PasswordResetToken
from app.auth.reset_mail import reset_mail
from app.core.config import Settings
from app.core.throttle import LimitName, Throttle
from app.email import service as outbox
from app.users import service as users_service
from app.users.models import User

# Each request may send a mail: a client asks for a few an hour, and an address receives
# a few an hour whoever asks, so nobody's mailbox is flooded.
RESET_REQUESTS_PER_CLIENT = parse("10 per hour")
RESET_REQUESTS_PER_ADDRESS = parse("3 per hour")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _reserve(throttle: Throttle, *, email: str, client_ip: str) -> None:
    # The client's own budget first: a client refused uses none of the address's.
    retry_after = await throttle.reserve(
        LimitName.PASSWORD_RESET,
        [
            (RESET_REQUESTS_PER_CLIENT, f"ip:{client_ip}"),
            (RESET_REQUESTS_PER_ADDRESS, f"email:{email.lower()}"),
        ],
    )
    if retry_after is not None:
        raise TooManyPasswordResets(retry_after=retry_after)


async def _store_token(
    session: AsyncSession, *, user: User, token_hash: str, lifetime: timedelta
) -> None:
    """The user's token, replacing any earlier one in one statement, so two requests at
    once leave exactly one live token."""
    values = {
        "token_hash": token_hash,
        "expires_at": datetime.now(UTC) + lifetime,
        "token_version": user.token_version,
    }
    await session.execute(
        insert(PasswordResetToken)
        .values(user_id=user.id, **values)
        .on_conflict_do_update(
            index_elements=[PasswordResetToken.user_id], set_={**values, "created_at": func.now()}
        )
    )


async def request_reset(
    session: AsyncSession,
    *,
    email: str,
    client_ip: str,
    throttle: Throttle,
    settings: Settings,
) -> None:
    """Mail a reset link to the active account with this address, if there is one and the
    shop sends mail; nothing otherwise, and the caller can't tell which."""
    await _reserve(throttle, email=email, client_ip=client_ip)
    token = secrets.token_urlsafe(32)
    token_hash = _digest(token)
    user = await users_service.find_by_email(session, email)
    if user is None or not user.is_active or not settings.email_enabled:
        return
    minutes = settings.PASSWORD_RESET_TOKEN_MINUTES
    await _store_token(
        session, user=user, token_hash=token_hash, lifetime=timedelta(minutes=minutes)
    )
    link = f"{settings.public_url}/reset-password?{urlencode({'token': token})}"
    mail = reset_mail(locale=user.locale, username=user.username, link=link, minutes=minutes)
    await outbox.enqueue(session, to=user.email, mail=mail, settings=settings)


async def confirm_reset(session: AsyncSession, *, token: str, new_password: str) -> None:
    """Set the new password of the token's user, who must still be active, and end every
    session of theirs; the token is used up. Deleting it is the check: of two requests with
    one token, one deletes it and the other finds nothing."""
    used = (
        await session.execute(
            delete(PasswordResetToken)
            .where(
                PasswordResetToken.token_hash == _digest(token),
                PasswordResetToken.expires_at > func.now(),
            )
            .returning(PasswordResetToken.user_id, PasswordResetToken.token_version)
        )
    ).one_or_none()
    if used is None:
        raise InvalidResetToken
    user_id, token_version = used
    user = await session.get(User, user_id)
    # A password changed another way since the mail was sent voids its link.
    if user is None or not user.is_active or user.token_version != token_version:
        raise InvalidResetToken
    await users_service.set_password(session, user_id=user_id, new_password=new_password)
