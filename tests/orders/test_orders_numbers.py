"""Order numbers carry the date of ordering on the shop's clock (BUSINESS_TIMEZONE)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import AuthHeaders, ProductFactory, Serve
from orders_support import placed_order
from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.orders.models import new_order_number
from app.users.models import User


@pytest.mark.parametrize(
    ("moment", "timezone", "date"),
    [
        (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), "Asia/Shanghai", "20261207"),
        (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), "UTC", "20261206"),
        (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), "America/New_York", "20261206"),
        # Shanghai's midnight is 16:00 UTC: the last second before it, and the first after.
        (datetime(2026, 12, 6, 15, 59, 59, tzinfo=UTC), "Asia/Shanghai", "20261206"),
        (datetime(2026, 12, 6, 16, 0, tzinfo=UTC), "Asia/Shanghai", "20261207"),
        (datetime(2026, 12, 7, 3, 0, tzinfo=UTC), "America/Los_Angeles", "20261206"),
    ],
)
async def test_an_order_number_carries_the_business_date_of_its_moment(
    session: AsyncSession, moment: datetime, timezone: str, date: str
) -> None:
    number = await session.scalar(select(new_order_number(timezone, at=literal(moment))))

    assert number is not None
    assert number.startswith(f"ORD-{date}-")


async def test_a_placed_order_is_numbered_with_the_date_in_the_business_timezone(
    serve: Serve, user: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    product = await make_product()
    # UTC+14 and UTC-11: 25 hours apart, so at any moment their dates differ.
    dates = {}
    for timezone in ["Pacific/Kiritimati", "Pacific/Pago_Pago"]:
        async with serve(BUSINESS_TIMEZONE=timezone) as client:
            order = await placed_order(client, auth_headers(user), (product, 1))
        placed_at = datetime.fromisoformat(order["created_at"]).astimezone(ZoneInfo(timezone))
        assert order["order_number"].startswith(f"ORD-{placed_at:%Y%m%d}-")
        dates[timezone] = placed_at.date()

    assert dates["Pacific/Kiritimati"] != dates["Pacific/Pago_Pago"]
