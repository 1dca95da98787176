import datetime as dt

from pydantic import BaseModel, Field

from app.core.schemas import IsoDate, Money, RequestModel
from app.orders.models import OrderStatus

# The most /api/stats/top-products lists in each ranking.
MAX_TOP_PRODUCTS = 50


class OrderStatusTotal(BaseModel):
    status: OrderStatus
    count: int
    total_amount: Money


class Stats(BaseModel):
    users: int
    products: int
    orders: int
    low_stock_products: int
    orders_by_status: list[OrderStatusTotal]
    revenue: Money


class PeriodParams(RequestModel):
    first: IsoDate | None = Field(
        default=None,
        alias="from",
        description="First business day, inclusive; by default 29 days before `to`",
    )
    last: IsoDate | None = Field(
        default=None,
        alias="to",
        description="Last business day, inclusive; by default today in the business timezone",
    )


class TopProductsParams(PeriodParams):
    limit: int = Field(default=10, ge=1, le=MAX_TOP_PRODUCTS, description="Per ranking")


class Period(BaseModel):
    """The business days a trend covers, as asked for or as the defaults made them."""

    first: dt.date = Field(serialization_alias="from")
    last: dt.date = Field(serialization_alias="to")


class DayTotal(BaseModel):
    date: dt.date = Field(description="A business day, in BUSINESS_TIMEZONE")
    orders: int = Field(
        description="Orders placed that day that count for revenue: paid, shipped or completed"
    )
    revenue: Money = Field(description="Their total")


class DailyStats(Period):
    days: list[DayTotal] = Field(description="Every day of the period in order, none left out")


class ProductSales(BaseModel):
    product_id: int
    name: str = Field(description="The product's current name")
    sku: str
    quantity: int = Field(description="Units sold in paid, shipped or completed orders")
    revenue: Money = Field(description="What those units brought in")


class TopProducts(Period):
    by_quantity: list[ProductSales] = Field(
        description="Most units first; ties by revenue, then by product id"
    )
    by_revenue: list[ProductSales] = Field(
        description="Most revenue first; ties by units, then by product id"
    )
