from pydantic import BaseModel

from app.core.schemas import Money
from app.orders.models import OrderStatus


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
