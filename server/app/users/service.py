"""Users: lookups, the role rules of who may change whom, and account changes."""

from limits import parse
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.database import violated_constraint
from app.core.errors import AppError
from app.core.locales import Locale
from app.core.pagination import PageResult, contains_pattern, order_by, paginate, sort_columns
from app.core.schemas import canonical_username
from app.core.security import hash_password, verify_password
from app.core.throttle import LimitName, Throttle
from app.refresh_tokens import service as refresh_tokens
from app.users.callers import Caller
from app.users.exceptions import (
    AdminRequired,
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
from app.users.models import User, UserRole
from app.users.schemas import (
    PasswordChange,
    UserActionVerdict,
    UserCreate,
    UserListParams,
    UserPermissions,
    UserRefusal,
    UserRegister,
    UserSort,
    UserUpdate,
    UserUpdateMe,
)

_SORT_COLUMNS = sort_columns(UserSort, User)
_UNIQUE_VIOLATIONS = {"uq_users_username_lower": UsernameTaken, "uq_users_email_lower": EmailTaken}
# Checks of the current password, per user: a stolen access token must not become a way to
# guess the password behind it, nor to keep bcrypt (and the API) busy.
PASSWORD_CHECKS_PER_USER = parse("5 per 15 minutes")
# Each attempted email change says whether the address is registered: a budget per user.
EMAIL_CHANGES_PER_USER = parse("10 per hour")


def is_first_superuser(user: User, settings: Settings) -> bool:
    return user.username.lower() == settings.FIRST_SUPERUSER.lower()


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise UserNotFound
    return user


async def lock_user(session: AsyncSession, user_id: int) -> User:
    """The user, locked until the transaction ends, before changing or deleting it: a
    concurrent delete then either waits for this change or makes it a 404, never a write
    that finds its row gone."""
    user = await session.scalar(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if user is None:
        raise UserNotFound
    return user


async def get_visible_user(session: AsyncSession, *, viewer: Caller, user_id: int) -> User:
    """Yourself, or anyone if you are an admin."""
    if viewer.id != user_id and not viewer.role.is_admin:
        # A 404, not a 403: other people's accounts are not even confirmed to exist.
        raise UserNotFound
    return await get_user(session, user_id)


async def find_by_username(session: AsyncSession, username: str) -> User | None:
    # Stored usernames are ASCII, which `lower()` folds as `canonical_username` does.
    return await session.scalar(
        select(User).where(func.lower(User.username) == canonical_username(username))
    )


async def find_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.email) == email.lower()))


async def list_users(session: AsyncSession, params: UserListParams) -> PageResult[User]:
    statement = select(User)
    if params.search:
        pattern = contains_pattern(params.search)
        statement = statement.where(
            or_(User.username.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
        )
    if params.role is not None:
        statement = statement.where(User.role == params.role)
    if params.is_active is not None:
        statement = statement.where(User.is_active == params.is_active)
    return await paginate(
        session,
        statement,
        page=params,
        sort=order_by(params.sort, _SORT_COLUMNS, tiebreaker=User.id),
    )


async def _flush_user(session: AsyncSession) -> None:
    """Flush, turning a unique violation on username or email into its 409."""
    try:
        await session.flush()
    except IntegrityError as error:
        violation = _UNIQUE_VIOLATIONS.get(violated_constraint(error) or "")
        if violation is None:
            raise
        raise violation from None


async def register_user(
    session: AsyncSession,
    data: UserRegister,
    *,
    role: UserRole = UserRole.USER,
    is_active: bool = True,
) -> User:
    user = User(
        username=data.username,
        email=data.email,
        full_name=data.full_name,
        locale=data.locale or Locale.EN,
        role=role,
        is_active=is_active,
        hashed_password=await hash_password(data.password),
    )
    session.add(user)
    await _flush_user(session)
    await session.refresh(user)
    return user


def grantable_roles(actor: Caller) -> list[UserRole]:
    """The roles `actor` may give an account: a superadmin any, an admin `user` only."""
    if actor.role is UserRole.SUPERADMIN:
        return [UserRole.USER, UserRole.ADMIN, UserRole.SUPERADMIN]
    return [UserRole.USER] if actor.role.is_admin else []


def _ensure_can_grant(actor: Caller, role: UserRole) -> None:
    if role not in grantable_roles(actor):
        raise RoleNotAssignable


def _edit_refusal(actor: Caller, target: User) -> UserRefusal | None:
    if not actor.role.is_admin:
        return UserRefusal.NOT_ADMIN
    # An admin who could edit another admin could also take over a superadmin's account.
    if actor.role is not UserRole.SUPERADMIN and target.role is not UserRole.USER:
        return UserRefusal.HIGHER_ROLE
    return None


def _access_change_refusal(actor: Caller, target: User, settings: Settings) -> UserRefusal | None:
    """Changing the role or the active state: the first superuser stays, so someone can
    always manage everyone, and nobody demotes or locks out themselves by a slip."""
    refusal = _edit_refusal(actor, target)
    if refusal is not None:
        return refusal
    if is_first_superuser(target, settings):
        return UserRefusal.FIRST_SUPERUSER
    return UserRefusal.SELF if target.id == actor.id else None


def _delete_refusal(actor: Caller, target: User, settings: Settings) -> UserRefusal | None:
    if not actor.role.is_admin:
        return UserRefusal.NOT_ADMIN
    if target.id == actor.id:
        return UserRefusal.SELF
    if is_first_superuser(target, settings):
        return UserRefusal.FIRST_SUPERUSER
    return _edit_refusal(actor, target)


_REFUSAL_ERRORS: dict[UserRefusal, type[AppError]] = {
    UserRefusal.NOT_ADMIN: AdminRequired,
    UserRefusal.SELF: CannotChangeOwnAccess,
    UserRefusal.HIGHER_ROLE: UserNotManageable,
    UserRefusal.FIRST_SUPERUSER: FirstSuperuserProtected,
}
_DELETE_REFUSAL_ERRORS = _REFUSAL_ERRORS | {UserRefusal.SELF: CannotDeleteSelf}


def _ensure_allowed(
    refusal: UserRefusal | None, errors: dict[UserRefusal, type[AppError]] = _REFUSAL_ERRORS
) -> None:
    if refusal is not None:
        raise errors[refusal]


def _verdict(refusal: UserRefusal | None) -> UserActionVerdict:
    return UserActionVerdict(allowed=refusal is None, refused_because=refusal)


def permissions(*, actor: Caller, target: User, settings: Settings) -> UserPermissions:
    """What `actor` may do with `target`'s account: what `update_user` and `delete_user`
    accept, from the same checks."""
    edit = _edit_refusal(actor, target)
    access_change = _access_change_refusal(actor, target, settings)
    if edit is not None:
        assignable_roles = []
    elif access_change is not None:
        assignable_roles = [target.role]
    else:
        assignable_roles = grantable_roles(actor)
    return UserPermissions(
        edit=_verdict(edit),
        change_access=_verdict(access_change),
        delete=_verdict(_delete_refusal(actor, target, settings)),
        assignable_roles=assignable_roles,
    )


async def create_user(session: AsyncSession, *, actor: Caller, data: UserCreate) -> User:
    _ensure_can_grant(actor, data.role)
    return await register_user(session, data, role=data.role, is_active=data.is_active)


async def _apply_changes(session: AsyncSession, user: User, fields: dict[str, object]) -> User:
    for field, value in fields.items():
        setattr(user, field, value)
    await _flush_user(session)
    # Reload server-side values such as `updated_at`.
    await session.refresh(user)
    return user


async def update_me(
    session: AsyncSession, caller: Caller, changes: UserUpdateMe, *, throttle: Throttle
) -> User:
    fields = changes.model_dump(exclude_unset=True)
    user = await lock_user(session, caller.id)
    if "email" in fields and fields["email"].lower() != user.email.lower():
        retry_after = await throttle.reserve(
            LimitName.EMAIL_CHANGE, [(EMAIL_CHANGES_PER_USER, f"user:{user.id}")]
        )
        if retry_after is not None:
            raise TooManyEmailChanges(retry_after=retry_after)
    return await _apply_changes(session, user, fields)


async def update_user(
    session: AsyncSession,
    *,
    actor: Caller,
    target: User,
    changes: UserUpdate,
    settings: Settings,
) -> User:
    _ensure_allowed(_edit_refusal(actor, target))
    if changes.role is not None:
        _ensure_can_grant(actor, changes.role)
    if changes.role not in (None, target.role) or changes.is_active not in (None, target.is_active):
        _ensure_allowed(_access_change_refusal(actor, target, settings))
    fields = changes.model_dump(exclude_unset=True, exclude={"password"})
    if changes.password is not None:
        fields["hashed_password"] = await hash_password(changes.password)
        fields["token_version"] = User.token_version + 1
    if changes.password is not None or changes.is_active is False:
        # A reset password or a deactivated account ends every open session.
        await refresh_tokens.revoke_all_for_user(session, target.id)
    return await _apply_changes(session, target, fields)


async def delete_user(
    session: AsyncSession, *, actor: Caller, target: User, settings: Settings
) -> None:
    _ensure_allowed(_delete_refusal(actor, target, settings), _DELETE_REFUSAL_ERRORS)
    await session.delete(target)
    try:
        await session.flush()
    except IntegrityError as error:
        # Orders keep their customer: such an account can only be deactivated.
        if violated_constraint(error) == "fk_orders_user_id_users":
            raise UserHasOrders from None
        raise


async def change_password(
    session: AsyncSession, user: User, data: PasswordChange, *, throttle: Throttle
) -> None:
    """After checking the current password, `set_password`: every session ends, this one
    too (the caller signs in again)."""
    limit = (PASSWORD_CHECKS_PER_USER, f"user:{user.id}")
    retry_after = await throttle.reserve(LimitName.PASSWORD, [limit])
    if retry_after is not None:
        raise TooManyPasswordAttempts(retry_after=retry_after)
    # `session` has read nothing yet (the current user came from a read of its own), so no
    # connection is held while bcrypt, which may queue for the hashing limit, runs.
    if not await verify_password(data.current_password, user.hashed_password):
        raise IncorrectPassword
    await throttle.forget(LimitName.PASSWORD, [limit])
    await set_password(session, user_id=user.id, new_password=data.new_password)


async def set_password(session: AsyncSession, *, user_id: int, new_password: str) -> None:
    """The new password, and every session of the user ends: refresh tokens are revoked, and
    the token version moves on, so access tokens issued before stop working too. The
    password must have passed the `Password` rules."""
    new_hash = await hash_password(new_password)
    # Locked only now, after bcrypt: a delete meanwhile makes this a 404, not a lost write.
    user = await lock_user(session, user_id)
    user.hashed_password = new_hash
    # In SQL, so two changes at once can't both write the same next version.
    user.token_version = User.token_version + 1
    await refresh_tokens.revoke_all_for_user(session, user.id)
    await session.flush()
