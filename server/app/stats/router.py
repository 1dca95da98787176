from typing import Annotated

from fastapi import APIRouter, Query

from app.core.dependencies import ReadSessionDep
from app.core.routing import ApiRoute
from app.stats import service
from app.stats.schemas import Stats
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


@router.get("")
async def read_stats(
    _: AdminUser, session: ReadSessionDep, low_stock: LowStockParam = service.DEFAULT_LOW_STOCK
) -> Stats:
    """Counts of users, products and orders, orders and their totals by status, and revenue;
    admins only."""
    return await service.read_stats(session, low_stock=low_stock)
