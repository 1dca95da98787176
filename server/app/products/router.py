from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from app.core.dependencies import ReadSessionDep, ReadSessionmakerDep, SessionDep, SettingsDep
from app.core.error_docs import errors
from app.core.pagination import PAGE_ERRORS, Page
from app.core.routing import ApiRoute
from app.core.schemas import RowId
from app.core.spreadsheet import csv_chunks
from app.products import service, spreadsheet
from app.products.exceptions import (
    ImportColumnsInvalid,
    ImportFileNotUtf8,
    ImportFileTooLarge,
    ImportFileUnreadable,
    ImportRowsInvalid,
    ImportTooManyRows,
    InsufficientStock,
    ProductNotFound,
    SkuTaken,
    StockLimitExceeded,
)
from app.products.schemas import (
    ImportReport,
    ProductCreate,
    ProductExportParams,
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


_CSV = "text/csv; charset=utf-8"
_CSV_RESPONSE = {
    "description": "The products, one per row",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses={200: _CSV_RESPONSE},
)
async def export_products(
    params: Annotated[ProductExportParams, Query()],
    viewer: AdminUser,
    sessionmaker: ReadSessionmakerDep,
    settings: SettingsDep,
) -> StreamingResponse:
    """Every product the list's filters pick (all but archived ones by default), as CSV for
    Excel: UTF-8 with a BOM, CRLF, headers in `lang`, text that would run as a formula
    neutralised with a leading `'`. Its columns are the import's: it imports back unchanged.
    Admins only."""
    rows = await spreadsheet.export_rows(sessionmaker, viewer=viewer, filters=params)
    today = datetime.now(settings.business_timezone).date()
    return StreamingResponse(
        csv_chunks(spreadsheet.export_header(params.lang), rows),
        media_type=_CSV,
        headers={"Content-Disposition": f'attachment; filename="products-{today}.csv"'},
    )


@router.post(
    "/import",
    responses=errors(
        ImportFileTooLarge,
        ImportFileUnreadable,
        ImportFileNotUtf8,
        ImportColumnsInvalid,
        ImportTooManyRows,
        ImportRowsInvalid,
        SkuTaken,
    ),
)
async def import_products(
    file: Annotated[
        UploadFile,
        File(
            description="A CSV file (UTF-8, with or without a BOM) or an Excel workbook "
            "(.xlsx, its first sheet) with the export's columns, in English or Chinese",
            examples=[spreadsheet.EXAMPLE_FILE],
        ),
    ],
    _: AdminUser,
    session: SessionDep,
    dry_run: Annotated[
        bool, Query(description="Only report what each row would do; write nothing")
    ] = False,
) -> ImportReport:
    """Create or update a product per row, by SKU (any case), with the rules of
    `POST /api/products`; admins only. All or nothing: a row with an error is a 422
    `import_rows_invalid` with the report of every row, and nothing is written. The stock
    column sets the stock on hand, under the row locks that orders take."""
    content = await file.read(spreadsheet.MAX_FILE_BYTES + 1)
    rows = await run_in_threadpool(spreadsheet.read_sheet, file.filename or "", content)
    return await spreadsheet.import_products(session, rows, dry_run=dry_run)


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


@router.get("/{product_id:product_id}", responses=errors(ProductNotFound))
async def read_product(
    product_id: RowId, viewer: CurrentUser, session: ReadSessionDep
) -> ProductPublic:
    """A product by id, for any signed-in user: admins find any, customers active ones."""
    product = await service.get_visible_product(session, viewer=viewer, product_id=product_id)
    return ProductPublic.model_validate(product)


@router.patch("/{product_id:product_id}", responses=errors(ProductNotFound, SkuTaken))
async def update_product(
    product_id: RowId, changes: ProductUpdate, _: AdminUser, session: SessionDep
) -> ProductPublic:
    """Change any field but the stock, which moves through `POST /{product_id}/stock`;
    admins only. Orders already placed keep the name, SKU and price they were placed at."""
    product = await service.update_product(session, product_id=product_id, changes=changes)
    return ProductPublic.model_validate(product)


@router.delete(
    "/{product_id:product_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(ProductNotFound),
)
async def delete_product(product_id: RowId, _: AdminUser, session: SessionDep) -> None:
    """Delete the product, or archive it if orders reference it; admins only."""
    await service.delete_product(session, product_id)


@router.post(
    "/{product_id:product_id}/stock",
    responses=errors(ProductNotFound, InsufficientStock, StockLimitExceeded),
)
async def adjust_product_stock(
    product_id: RowId, adjustment: StockAdjustment, _: AdminUser, session: SessionDep
) -> ProductPublic:
    """Add to or take from the stock atomically; admins only. It never goes below zero."""
    product = await service.adjust_stock(session, product_id=product_id, delta=adjustment.delta)
    return ProductPublic.model_validate(product)
