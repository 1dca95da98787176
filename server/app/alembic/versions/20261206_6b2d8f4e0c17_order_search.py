"""order search: by an order number's last digits, and by the customer's username or email

Revision ID: 6b2d8f4e0c17
Revises: 3a7e5c9b1d42
Create Date: 2026-12-06 20:10:00.000000

`GET /api/orders?search=` matches the end of an order number (`reverse(order_number) LIKE
'24%'`, a prefix range of a btree on the reversed number) and, for admins, part of a
customer's username or email (`lower(...) LIKE '%term%'`, trigram indexes as the product
search has).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "6b2d8f4e0c17"
down_revision: str | Sequence[str] | None = "3a7e5c9b1d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index(
        "ix_orders_order_number_reversed",
        "orders",
        [sa.literal_column("reverse(order_number)")],
        postgresql_ops={"reverse(order_number)": "text_pattern_ops"},
    )
    for column in ("username", "email"):
        op.create_index(
            f"ix_users_{column}_trgm",
            "users",
            [sa.literal_column(f"lower({column})")],
            postgresql_using="gin",
            postgresql_ops={f"lower({column})": "gin_trgm_ops"},
        )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_users_email_trgm", table_name="users", postgresql_using="gin")
    op.drop_index("ix_users_username_trgm", table_name="users", postgresql_using="gin")
    op.drop_index("ix_orders_order_number_reversed", table_name="orders")
