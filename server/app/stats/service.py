"""Store-wide numbers for the admin dashboard and `python -m app.cli stats`."""

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.orders.models import Order, OrderStatus
from app.products.models import Product, ProductStatus
from app.stats.schemas import OrderStatusTotal, Stats
from app.users.models import User

DEFAULT_LOW_STOCK = 10
# stock_quantity is a PostgreSQL integer: a larger threshold can't even be sent to compare.
MAX_LOW_STOCK = 2_147_483_647
# Orders that were paid for and not cancelled since.
REVENUE_STATUSES = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED})


async def read_stats(session: AsyncSession, *, low_stock: int = DEFAULT_LOW_STOCK) -> Stats:
    """Two statements whatever the size of the store: the counts, then the orders by status."""
    counts = (
        await session.execute(
            select(
                select(func.count()).select_from(User).scalar_subquery().label("users"),
                func.count().filter(Product.status != ProductStatus.ARCHIVED).label("products"),
                func.count()
                .filter(Product.status == ProductStatus.ACTIVE, Product.stock_quantity < low_stock)
                .label("low_stock_products"),
            ).select_from(Product)
        )
    ).one()
    orders = await session.execute(
        select(Order.status, func.count(), func.sum(Order.total_amount)).group_by(Order.status)
    )
    by_status = {status: (count, amount) for status, count, amount in orders}
    nothing = (0, Decimal("0"))
    totals = [
        OrderStatusTotal(status=status, count=count, total_amount=amount)
        # The workflow order, as the enum declares it, with the statuses no order has yet.
        for status in OrderStatus
        for count, amount in [by_status.get(status, nothing)]
    ]
    return Stats(
        users=counts.users,
        products=counts.products,
        orders=sum(total.count for total in totals),
        low_stock_products=counts.low_stock_products,
        orders_by_status=totals,
        revenue=sum(
            (total.total_amount for total in totals if total.status in REVENUE_STATUSES),
            Decimal("0"),
        ),
    )
