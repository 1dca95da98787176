from typing import Annotated

from fastapi import APIRouter, Query

from app.core.dependencies import ReadSessionDep, SettingsDep
from app.core.error_docs import errors
from app.core.routing import ApiRoute
from app.stats import service
from app.stats.exceptions import DateRangeReversed, DateRangeTooLong
from app.stats.schemas import DailyStats, PeriodParams, Stats, TopProducts, TopProductsParams
from app.users.dependencies import AdminUser

router = APIRouter(prefix="/api/stats", tags=["stats"], route_class=ApiRoute)

LowStockParam = Annotated[
    int,
    Query(
        ge=0,
        le=service.MAX_LOW_STOCK,
        description="Active products with less stock than this count as low on stock",
    ),
]
PERIOD_ERRORS = errors(DateRangeReversed, DateRangeTooLong)


@router.get("")
async def read_stats(
    _: AdminUser, session: ReadSessionDep, low_stock: LowStockParam = service.DEFAULT_LOW_STOCK
) -> Stats:
    """Counts of users, products and orders, orders and their totals by status, and revenue;
    admins only."""
    return await service.read_stats(session, low_stock=low_stock)


@router.get("/daily", responses=PERIOD_ERRORS)
async def read_daily_stats(
    _: AdminUser,
    session: ReadSessionDep,
    settings: SettingsDep,
    params: Annotated[PeriodParams, Query()],
) -> DailyStats:
    """Orders and revenue per business day (BUSINESS_TIMEZONE), every day of the period
    listed, the last 30 by default; at most 366 days. Admins only."""
    return await service.read_daily(session, params, timezone=settings.BUSINESS_TIMEZONE)


@router.get("/top-products", responses=PERIOD_ERRORS)
async def read_top_products(
    _: AdminUser,
    session: ReadSessionDep,
    settings: SettingsDep,
    params: Annotated[TopProductsParams, Query()],
) -> TopProducts:
    """The best sellers of the period, by units sold and by revenue, the last 30 business days
    by default; at most 366 days. Admins only."""
    return await service.read_top_products(session, params, timezone=settings.BUSINESS_TIMEZONE)
