"""users' mail language and order-mail choice; the outbox's List-Unsubscribe address

Revision ID: 7f3b91d2c6a4
Revises: 1d526836b85d
Create Date: 2026-12-07 01:40:00.000000

Existing accounts get English and order mails on, as new ones do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "7f3b91d2c6a4"
down_revision: str | Sequence[str] | None = "1d526836b85d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "users",
        sa.Column(
            "locale",
            sa.Enum(
                "en",
                "zh-CN",
                name="user_locale",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="en",
            nullable=False,
        ),
    )
    op.add_column(
        "users", sa.Column("order_emails", sa.Boolean(), server_default="true", nullable=False)
    )
    op.add_column("email_outbox", sa.Column("unsubscribe_url", sa.String(length=2048)))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("email_outbox", "unsubscribe_url")
    op.drop_column("users", "order_emails")
    op.drop_column("users", "locale")
