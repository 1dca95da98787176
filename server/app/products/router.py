from typing import Annotated

from fastapi import APIRouter, Query, status

from app.core.dependencies import ReadSessionDep, SessionDep
from app.core.error_docs import errors
from app.core.pagination import PAGE_ERRORS, Page
from app.core.routing import ApiRoute
from app.core.schemas import RowId
from app.products import service
from app.products.exceptions import (
    InsufficientStock,
    ProductNotFound,
    SkuTaken,
    StockLimitExceeded,
)
from app.products.schemas import (
    ProductCreate,
    ProductListParams,
    ProductPublic,
    ProductUpdate,
    StockAdjustment,
)
from app.users.dependencies import AdminUser, CurrentUser

router = APIRouter(
    prefix="/api/products",
    tags=["products"],
    route_class=ApiRoute,
)


@router.get("", responses=errors(*PAGE_ERRORS))
async def list_products(
    params: Annotated[ProductListParams, Query()], viewer: CurrentUser, session: ReadSessionDep
) -> Page[ProductPublic]:
    """The catalogue, paged, for any signed-in user: customers see active products; admins
    see all but archived ones unless they filter by `status`."""
    page = await service.list_products(session, viewer=viewer, params=params)
    return Page[ProductPublic].of(page, params)


# OpenAPI links: what a client (or a stateful fuzzer) can do next with the answer.
_NEW_PRODUCT_LINKS = {
    "OrderOne": {
        "operationId": "create_order",
        "description": "Order one unit of the new product",
        "requestBody": {"items": [{"product_id": "$response.body#/id", "quantity": 1}]},
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={201: {"links": _NEW_PRODUCT_LINKS}, **errors(SkuTaken)},
)
async def create_product(data: ProductCreate, _: AdminUser, session: SessionDep) -> ProductPublic:
    """Add a product to the catalogue; admins only. SKUs are unique whatever their case."""
    return ProductPublic.model_validate(await service.create_product(session, data))


@router.get("/{product_id}", responses=errors(ProductNotFound))
async def read_product(
    product_id: RowId, viewer: CurrentUser, session: ReadSessionDep
) -> ProductPublic:
    """A product by id, for any signed-in user: admins find any, customers active ones."""
    product = await service.get_visible_product(session, viewer=viewer, product_id=product_id)
    return ProductPublic.model_validate(product)


@router.patch("/{product_id}", responses=errors(ProductNotFound, SkuTaken))
async def update_product(
    product_id: RowId, changes: ProductUpdate, _: AdminUser, session: SessionDep
) -> ProductPublic:
    """Change any field but the stock, which moves through `POST /{product_id}/stock`;
    admins only. Orders already placed keep the name, SKU and price they were placed at."""
    product = await service.update_product(session, product_id=product_id, changes=changes)
    return ProductPublic.model_validate(product)


@router.delete(
    "/{product_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(ProductNotFound)
)
async def delete_product(product_id: RowId, _: AdminUser, session: SessionDep) -> None:
    """Delete the product, or archive it if orders reference it; admins only."""
    await service.delete_product(session, product_id)


@router.post(
    "/{product_id}/stock",
    responses=errors(ProductNotFound, InsufficientStock, StockLimitExceeded),
)
async def adjust_product_stock(
    product_id: RowId, adjustment: StockAdjustment, _: AdminUser, session: SessionDep
) -> ProductPublic:
    """Add to or take from the stock atomically; admins only. It never goes below zero."""
    product = await service.adjust_stock(session, product_id=product_id, delta=adjustment.delta)
    return ProductPublic.model_validate(product)
