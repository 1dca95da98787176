"""Who is calling: the few facts of an account that every signed-in request checks, cached
between requests.

A `Caller` is a frozen value, never a session's row: routes that change an account load its
row in their own session. Each process keeps the callers it has seen for at most
CURRENT_USER_CACHE_SECONDS, and drops one as soon as its account's access changes:

- in every process, when PostgreSQL's `users_changed` notification arrives: a trigger sends
  it from the transaction that deactivates, demotes, deletes or changes the password of an
  account (its token version), and PostgreSQL delivers it when that transaction commits;
- in this process, at once, when one of its own sessions commits such a change, without
  waiting for the notification's round trip.

A process not listening (not yet connected, or its connection lost) caches nothing: it would
not hear of changes.
"""

import asyncio
import weakref
from dataclasses import dataclass
from typing import Any

from async_lru import alru_cache
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from app.users.models import User, UserRole

# The channel of the migration's trigger; its payload is the account's id.
USERS_CHANGED_CHANNEL = "users_changed"
# Enough for every account signed in at once in a small shop's busy hour.
MAX_CACHED_CALLERS = 10_000


@dataclass(frozen=True, slots=True)
class Caller:
    id: int
    role: UserRole
    token_version: int

    @classmethod
    def of(cls, user: User) -> "Caller":
        return cls(id=user.id, role=user.role, token_version=user.token_version)


async def _find_active_caller(
    sessions: async_sessionmaker[AsyncSession], user_id: int
) -> Caller | None:
    # A short read of its own: its connection is back in the pool before the route starts.
    async with sessions() as session:
        row = (
            await session.execute(
                select(User.role, User.token_version).where(User.id == user_id, User.is_active)
            )
        ).one_or_none()
    if row is None:
        return None
    return Caller(id=user_id, role=row.role, token_version=row.token_version)


def _by_user_id(_sessions: object, user_id: int) -> int:
    return user_id


class CallerCache:
    """The active callers by id, or None for an id with no active account."""

    def __init__(self, *, seconds: float) -> None:
        # async-lru: one query for all the requests of an account that miss at once, and an
        # entry dropped while its query runs stays dropped when the query returns.
        self._cached = alru_cache(maxsize=MAX_CACHED_CALLERS, ttl=seconds, key=_by_user_id)(
            _find_active_caller
        )
        self._listening = False
        # Set once listening has first succeeded or failed: the app serves from then on.
        self.settled = asyncio.Event()
        _caches.add(self)

    async def find(
        self, sessions: async_sessionmaker[AsyncSession], user_id: int, *, fresh: bool = False
    ) -> Caller | None:
        """The active account `user_id`; `fresh`: from the database, whatever is cached."""
        if not self._listening:
            return await _find_active_caller(sessions, user_id)
        if fresh:
            self.forget(user_id)
        return await self._cached(sessions, user_id)

    def forget(self, user_id: int) -> None:
        self._cached.cache_invalidate(None, user_id)

    def forget_everyone(self) -> None:
        self._cached.cache_clear()

    def forget_notified(self, payload: str) -> None:
        self.forget(int(payload))

    def set_listening(self, listening: bool) -> None:
        # Whatever changed while nobody listened is unknown: start again from nothing.
        self.forget_everyone()
        self._listening = listening
        self.settled.set()

    async def close(self) -> None:
        await self._cached.cache_close()


_caches: weakref.WeakSet[CallerCache] = weakref.WeakSet()


# In a session's info until it commits: the ids of the users it changed, or _EVERY_USER.
_CHANGED_USERS = "users_changed_in_transaction"
_EVERY_USER = "every user"


@event.listens_for(Session, "after_flush")
def _note_changed_users(session: Session, _flush_context: Any) -> None:
    changed = {user.id for user in (*session.dirty, *session.deleted) if isinstance(user, User)}
    noted = session.info.setdefault(_CHANGED_USERS, set())
    if changed and noted is not _EVERY_USER:
        noted.update(changed)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_user_changes(execution: ORMExecuteState) -> None:
    # `update(User).where(...)`: which rows it hits is the database's business.
    if (execution.is_update or execution.is_delete) and execution.bind_mapper is User.__mapper__:
        execution.session.info[_CHANGED_USERS] = _EVERY_USER


@event.listens_for(Session, "after_commit")
def _forget_committed_changes(session: Session) -> None:
    changed = session.info.pop(_CHANGED_USERS, None)
    for cache in _caches if changed else ():
        if changed is _EVERY_USER:
            cache.forget_everyone()
        else:
            for user_id in changed:
                cache.forget(user_id)


@event.listens_for(Session, "after_rollback")
def _keep_rolled_back_users(session: Session) -> None:
    session.info.pop(_CHANGED_USERS, None)
