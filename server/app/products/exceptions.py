from app.core.errors import Conflict, NotFound


class ProductNotFound(NotFound):
    code = "product_not_found"
    detail = "Product not found"


class SkuTaken(Conflict):
    code = "sku_taken"
    detail = "Another product already has this SKU"


class InsufficientStock(Conflict):
    """One body for every stock shortage, an order's or an adjustment's: `items` lists each
    short product with what was requested and what is available."""

    code = "insufficient_stock"
    detail = "Not enough stock"

    def __init__(self, items: list[dict[str, int]]) -> None:
        names = ", ".join(
            f"product {item['product_id']} ({item['available']} available)" for item in items
        )
        super().__init__(f"Not enough stock for {names}", items=items)


class StockLimitExceeded(Conflict):
    code = "stock_limit_exceeded"
    detail = "The stock can't exceed its maximum"

    def __init__(self, *, product_id: int, available: int, delta: int, maximum: int) -> None:
        super().__init__(
            f"{available} in stock; adding {delta} would exceed the maximum of {maximum}",
            product_id=product_id,
            available=available,
            delta=delta,
            maximum=maximum,
        )
