"""notify `users_changed` when an account's access changes

Revision ID: 5e2d8c4b9a17
Revises: 7f3b91d2c6a4
Create Date: 2026-12-07 05:00:00.000000

Every API process caches who a token's user is (app/users/callers.py) and listens on
`users_changed` for the ids to drop. A trigger sends them, so no way of changing an account
(a route, the CLI, psql) can forget to; PostgreSQL delivers a notification when, and only
if, the transaction that sent it commits.
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5e2d8c4b9a17"
down_revision: str | Sequence[str] | None = "7f3b91d2c6a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = """
CREATE FUNCTION users_changed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('users_changed', OLD.id::text);
    RETURN NULL;
END
$$
"""
# What a cached caller holds: whether the account may sign in, its role, its token version.
TRIGGERS = {
    "users_access_changed": (
        "AFTER UPDATE ON users FOR EACH ROW WHEN ("
        "OLD.is_active IS DISTINCT FROM NEW.is_active "
        "OR OLD.role IS DISTINCT FROM NEW.role "
        "OR OLD.token_version IS DISTINCT FROM NEW.token_version) "
        "EXECUTE FUNCTION users_changed_notify()"
    ),
    "users_deleted": "AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION users_changed_notify()",
}


def upgrade() -> None:
    """Upgrade schema."""
    op.execute(FUNCTION)
    for name, definition in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {definition}")


def downgrade() -> None:
    """Downgrade schema."""
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON users")
    op.execute("DROP FUNCTION users_changed_notify()")
