"""indexes for the default list sorts and keyset pages

Revision ID: 5c1e7a9d3b20
Revises: bde69d52c141
Create Date: 2026-11-23 17:40:00.000000

Each list's default sort gets an index on (sort column, id), the exact key of its ORDER BY
and of its cursor's row comparison: a page is then an index range scan, not a sort of every
matching row (products by name; a customer's orders, and everyone's for admins, newest
first). The customer's-orders index replaces the one on (user_id, created_at) it extends.
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5c1e7a9d3b20"
down_revision: str | Sequence[str] | None = "bde69d52c141"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index("ix_products_name_id", "products", ["name", "id"], unique=False)
    op.create_index(
        "ix_orders_user_id_created_at_id", "orders", ["user_id", "created_at", "id"], unique=False
    )
    op.drop_index("ix_orders_user_id_created_at", table_name="orders")
    op.create_index("ix_orders_created_at_id", "orders", ["created_at", "id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_orders_created_at_id", table_name="orders")
    op.create_index(
        "ix_orders_user_id_created_at", "orders", ["user_id", "created_at"], unique=False
    )
    op.drop_index("ix_orders_user_id_created_at_id", table_name="orders")
    op.drop_index("ix_products_name_id", table_name="products")
