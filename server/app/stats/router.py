from typing import Annotated

from fastapi import APIRouter, Query

from app.core.dependencies import ReadSessionDep
from app.core.errors import error_responses
from app.core.routing import StrictJSONRoute
from app.stats import service
from app.stats.schemas import Stats
from app.users.dependencies import AdminUser

router = APIRouter(
    prefix="/api/stats", tags=["stats"], responses=error_responses(401), route_class=StrictJSONRoute
)

LowStockParam = Annotated[
    int,
    Query(
        ge=0,
        le=service.MAX_LOW_STOCK,
        description="Active products with less stock than this count as low on stock",
    ),
]


@router.get("", responses=error_responses(403))
async def read_stats(
    _: AdminUser, session: ReadSessionDep, low_stock: LowStockParam = service.DEFAULT_LOW_STOCK
) -> Stats:
    """Counts of users, products and orders, orders and their totals by status, and revenue."""
    return await service.read_stats(session, low_stock=low_stock)
