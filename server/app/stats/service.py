"""Store-wide numbers for the admin dashboard and `python -m app.cli stats`, and their trends
over business days."""

from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, DateTime, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.orders.models import Order, OrderItem, OrderStatus
from app.products.models import Product, ProductStatus
from app.stats.exceptions import DateRangeReversed, DateRangeTooLong
from app.stats.schemas import (
    DailyStats,
    DayTotal,
    OrderStatusTotal,
    Period,
    PeriodParams,
    ProductSales,
    Stats,
    TopProducts,
    TopProductsParams,
)
from app.users.models import User

DEFAULT_LOW_STOCK = 10
# stock_quantity is a PostgreSQL integer: a larger threshold can't even be sent to compare.
MAX_LOW_STOCK = 2_147_483_647
# Orders that were paid for and not cancelled since.
REVENUE_STATUSES = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED})
# Trends: the days shown when none are asked for, and the most one request may span (a leap
# year).
DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366


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


def _resolve_period(params: PeriodParams, *, timezone: str) -> Period:
    """The days asked for, `DEFAULT_PERIOD_DAYS` up to today in `timezone` by default."""
    first, last = params.first, params.last
    if last is None:
        last = datetime.now(ZoneInfo(timezone)).date()
    if first is None:
        # No earlier than year 1, the first day there is.
        first = date.fromordinal(max(last.toordinal() - DEFAULT_PERIOD_DAYS + 1, 1))
    if first > last:
        raise DateRangeReversed
    if (last - first).days >= MAX_PERIOD_DAYS:
        raise DateRangeTooLong(MAX_PERIOD_DAYS)
    return Period(first=first, last=last)


def _revenue_orders_in(period: Period, *, timezone: str) -> ColumnElement[bool]:
    """Orders counting for revenue placed during the period's business days: a range of
    `ix_orders_status_created_at` per status. The bounds are local midnights made absolute
    by PostgreSQL, with the same zone rules as the bucketing."""
    start = func.timezone(timezone, cast(literal(period.first, Date), DateTime))
    end = func.timezone(timezone, cast(literal(period.last, Date) + 1, DateTime))
    return (
        Order.status.in_(REVENUE_STATUSES) & (Order.created_at >= start) & (Order.created_at < end)
    )


async def read_daily(session: AsyncSession, params: PeriodParams, *, timezone: str) -> DailyStats:
    """One statement: the period's days from `generate_series`, each with its orders, so a
    day without any is there with zeros."""
    period = _resolve_period(params, timezone=timezone)
    business_day = cast(func.timezone(timezone, Order.created_at), Date)
    totals = (
        select(
            business_day.label("day"),
            func.count().label("orders"),
            func.sum(Order.total_amount).label("revenue"),
        )
        .where(_revenue_orders_in(period, timezone=timezone))
        .group_by(business_day)
        .subquery()
    )
    offsets = func.generate_series(0, (period.last - period.first).days).column_valued("offset")
    days = select((literal(period.first, Date) + offsets).label("day")).subquery()
    rows = await session.execute(
        select(
            days.c.day,
            func.coalesce(totals.c.orders, 0),
            func.coalesce(totals.c.revenue, Decimal("0")),
        )
        .outerjoin(totals, totals.c.day == days.c.day)
        .order_by(days.c.day)
    )
    return DailyStats(
        first=period.first,
        last=period.last,
        days=[DayTotal(date=day, orders=orders, revenue=revenue) for day, orders, revenue in rows],
    )


async def read_top_products(
    session: AsyncSession, params: TopProductsParams, *, timezone: str
) -> TopProducts:
    """One statement: each product's sales in the period, ranked both ways, and those in
    either top `limit`."""
    period = _resolve_period(params, timezone=timezone)
    limit = params.limit
    sales = (
        select(
            OrderItem.product_id,
            func.sum(OrderItem.quantity).label("quantity"),
            func.sum(OrderItem.line_total).label("revenue"),
        )
        .join(Order, Order.id == OrderItem.order_id)
        .where(_revenue_orders_in(period, timezone=timezone))
        .group_by(OrderItem.product_id)
        .subquery()
    )
    ranked = (
        select(
            sales.c.product_id,
            Product.name,
            Product.sku,
            sales.c.quantity,
            sales.c.revenue,
            func.row_number()
            .over(order_by=(sales.c.quantity.desc(), sales.c.revenue.desc(), sales.c.product_id))
            .label("quantity_rank"),
            func.row_number()
            .over(order_by=(sales.c.revenue.desc(), sales.c.quantity.desc(), sales.c.product_id))
            .label("revenue_rank"),
        )
        .join(Product, Product.id == sales.c.product_id)
        .subquery()
    )
    rows = await session.execute(
        select(ranked).where((ranked.c.quantity_rank <= limit) | (ranked.c.revenue_rank <= limit))
    )
    ranks = [
        (
            row.quantity_rank,
            row.revenue_rank,
            ProductSales.model_validate(row, from_attributes=True),
        )
        for row in rows
    ]
    return TopProducts(
        first=period.first,
        last=period.last,
        by_quantity=[sales for rank, _, sales in sorted(ranks, key=itemgetter(0)) if rank <= limit],
        by_revenue=[sales for _, rank, sales in sorted(ranks, key=itemgetter(1)) if rank <= limit],
    )
