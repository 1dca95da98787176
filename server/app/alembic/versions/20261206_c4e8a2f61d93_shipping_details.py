"""shipping details: an order's address snapshot and shipment, a user's default address

Revision ID: c4e8a2f61d93
Revises: 6b2d8f4e0c17
Create Date: 2026-12-06 22:40:00.000000

Addresses are JSONB, each kept and read whole: an order's is a copy of what it was shipped
to, which later changes to the customer's default never rewrite. `carrier` and
`tracking_number` are given when an order is marked shipped, on the order and on that
entry of its history. Every new column is nullable: existing rows have none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "c4e8a2f61d93"
down_revision: str | Sequence[str] | None = "6b2d8f4e0c17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHIPMENT_TABLES = ("orders", "order_status_history")


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "users",
        sa.Column("default_shipping_address", postgresql.JSONB(astext_type=sa.Text())),
    )
    op.add_column("orders", sa.Column("shipping_address", postgresql.JSONB(astext_type=sa.Text())))
    for table in SHIPMENT_TABLES:
        op.add_column(table, sa.Column("carrier", sa.String(length=64)))
        op.add_column(table, sa.Column("tracking_number", sa.String(length=64)))


def downgrade() -> None:
    """Downgrade schema."""
    for table in reversed(SHIPMENT_TABLES):
        op.drop_column(table, "tracking_number")
        op.drop_column(table, "carrier")
    op.drop_column("orders", "shipping_address")
    op.drop_column("users", "default_shipping_address")
