"""pending orders expire: a reason on status history, indexes for the sweeper and the caps

Revision ID: 3a7e5c9b1d42
Revises: a3c9e1f07b52
Create Date: 2026-12-06 13:20:00.000000

A history entry says why a change happened when no person chose it (`expired`). Deleting an
order cascades to its idempotency keys, which scanned the whole table without an index on
`order_id`. A customer's pending orders are counted on every new order: a partial index
holds just those.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "3a7e5c9b1d42"
down_revision: str | Sequence[str] | None = "a3c9e1f07b52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("order_status_history", sa.Column("reason", sa.String(length=64)))
    op.create_index("ix_idempotency_keys_order_id", "idempotency_keys", ["order_id"])
    op.create_index(
        "ix_orders_pending_user_id",
        "orders",
        ["user_id"],
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_orders_pending_user_id", table_name="orders")
    op.drop_index("ix_idempotency_keys_order_id", table_name="idempotency_keys")
    op.drop_column("order_status_history", "reason")
