"""sessions that end: a token version per user, an absolute end per refresh family

Revision ID: a3c9e1f07b52
Revises: 8d4f2b6a1e37
Create Date: 2026-12-06 13:30:00.000000

`users.token_version` is written into every access token; a password change moves it on,
so the access tokens issued before it stop working at once. `refresh_tokens.family_expires_at`
is set when a sign-in starts a family and carried through every rotation: no token of the
family lives past it (REFRESH_TOKEN_MAX_DAYS). Existing tokens keep their own expiry as their
family's end.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a3c9e1f07b52"
down_revision: str | Sequence[str] | None = "8d4f2b6a1e37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "users", sa.Column("token_version", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "refresh_tokens",
        sa.Column("family_expires_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute("UPDATE refresh_tokens SET family_expires_at = expires_at")
    op.alter_column("refresh_tokens", "family_expires_at", nullable=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("refresh_tokens", "family_expires_at")
    op.drop_column("users", "token_version")
