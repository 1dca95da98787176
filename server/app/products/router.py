from typing import Annotated

from fastapi import APIRouter, Query, status

from app.core.dependencies import ReadSessionDep, SessionDep
from app.core.errors import error_responses
from app.core.pagination import Page
from app.core.routing import StrictJSONRoute
from app.core.schemas import RowId
from app.products import service
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
    responses=error_responses(401),
    route_class=StrictJSONRoute,
)


@router.get("", responses=error_responses(422))
async def list_products(
    params: Annotated[ProductListParams, Query()], viewer: CurrentUser, session: ReadSessionDep
) -> Page[ProductPublic]:
    """Active products; admins see all but archived ones unless they filter by `status`."""
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
    responses={201: {"links": _NEW_PRODUCT_LINKS}, **error_responses(403, 409, body=True)},
)
async def create_product(data: ProductCreate, _: AdminUser, session: SessionDep) -> ProductPublic:
    return ProductPublic.model_validate(await service.create_product(session, data))


@router.get("/{product_id}", responses=error_responses(404))
async def read_product(
    product_id: RowId, viewer: CurrentUser, session: ReadSessionDep
) -> ProductPublic:
    """Any product for admins; customers only find active ones."""
    product = await service.get_visible_product(session, viewer=viewer, product_id=product_id)
    return ProductPublic.model_validate(product)


@router.patch("/{product_id}", responses=error_responses(403, 404, 409, body=True))
async def update_product(
    product_id: RowId, changes: ProductUpdate, _: AdminUser, session: SessionDep
) -> ProductPublic:
    """Change any field but the stock, which moves through `POST /{product_id}/stock`."""
    product = await service.update_product(session, product_id=product_id, changes=changes)
    return ProductPublic.model_validate(product)


@router.delete(
    "/{product_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(403, 404)
)
async def delete_product(product_id: RowId, _: AdminUser, session: SessionDep) -> None:
    """Deletes the product, or archives it if orders reference it."""
    await service.delete_product(session, product_id)


@router.post("/{product_id}/stock", responses=error_responses(403, 404, 409, body=True))
async def adjust_product_stock(
    product_id: RowId, adjustment: StockAdjustment, _: AdminUser, session: SessionDep
) -> ProductPublic:
    """Add to or take from the stock atomically; it never goes below zero."""
    product = await service.adjust_stock(session, product_id=product_id, delta=adjustment.delta)
    return ProductPublic.model_validate(product)
