from pydantic import BaseModel

from app.core.errors import Conflict, NotFound


class ProductNotFound(NotFound):
    code = "product_not_found"
    detail = "Product not found"
    remedy = "Check the product id; it may have been deleted, or be a draft only admins see."


class SkuTaken(Conflict):
    code = "sku_taken"
    detail = "Another product already has this SKU"
    remedy = "Choose another SKU."


class StockShortage(BaseModel):
    """One product the stock can't cover."""

    product_id: int
    requested: int
    available: int


class StockShortages(BaseModel):
    items: list[StockShortage]


class InsufficientStock(Conflict):
    """One body for every stock shortage, an order's or an adjustment's: `items` lists each
    short product with what was requested and what is available."""

    code = "insufficient_stock"
    detail = "Not enough stock"
    remedy = "Lower each listed product's quantity to at most its `available`."
    fields = StockShortages

    def __init__(self, items: list[StockShortage]) -> None:
        names = ", ".join(
            f"product {item.product_id} ({item.available} available)" for item in items
        )
        super().__init__(f"Not enough stock for {names}", fields=StockShortages(items=items))


class StockLimit(BaseModel):
    product_id: int
    available: int
    delta: int
    maximum: int


class StockLimitExceeded(Conflict):
    code = "stock_limit_exceeded"
    detail = "The stock can't exceed its maximum"
    remedy = "Add at most `maximum - available`."
    fields = StockLimit

    def __init__(self, limit: StockLimit) -> None:
        super().__init__(
            f"{limit.available} in stock; adding {limit.delta} would exceed the maximum of "
            f"{limit.maximum}",
            fields=limit,
        )
