"""Orders as a spreadsheet: the columns, in English and Chinese, and their rows streamed from
one server-side cursor, a batch at a time, however many orders match."""

from collections.abc import AsyncIterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import SQLColumnExpression, String, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.locales import Locale
from app.core.spreadsheet import Cell
from app.orders import service
from app.orders.models import Order, OrderItem
from app.orders.schemas import ExportRows, OrderExportParams
from app.users.callers import Caller
from app.users.models import User

# Rows per fetch from the cursor: what the export holds in memory at a time.
BATCH_ROWS = 500

# The shop's time zone, bound when the export runs, so the columns stay one fixed table.
_BUSINESS_TIMEZONE = bindparam("business_timezone", type_=String)


@dataclass(frozen=True)
class ExportColumn:
    """A column of the file: its header in each language, and the value, computed by
    PostgreSQL."""

    english: str
    chinese: str
    value: SQLColumnExpression[Any]

    def header(self, language: Locale) -> str:
        return self.chinese if language is Locale.ZH_CN else self.english


# Local time as Excel reads it, without an offset: the docs name the zone.
_created = func.to_char(
    func.timezone(_BUSINESS_TIMEZONE, Order.created_at), "YYYY-MM-DD HH24:MI:SS"
)
_units = (
    select(func.sum(OrderItem.quantity))
    .where(OrderItem.order_id == Order.id)
    .correlate(Order)
    .scalar_subquery()
)

ORDER_COLUMNS = (
    ExportColumn("Order number", "订单号", Order.order_number),
    ExportColumn("Status", "状态", Order.status),
    ExportColumn("Created", "下单时间", _created),
    ExportColumn("Customer", "顾客用户名", User.username),
    ExportColumn("Email", "顾客邮箱", User.email),
    ExportColumn("Items", "商品件数", _units),
    ExportColumn("Total", "总额", Order.total_amount),
    ExportColumn("Note", "备注", Order.note),
    ExportColumn("Recipient", "收货人", Order.shipping_address["recipient"].astext),
    ExportColumn("Phone", "电话", Order.shipping_address["phone"].astext),
    ExportColumn("Address line 1", "地址 1", Order.shipping_address["line1"].astext),
    ExportColumn("Address line 2", "地址 2", Order.shipping_address["line2"].astext),
    ExportColumn("City", "城市", Order.shipping_address["city"].astext),
    ExportColumn("Region", "省/州", Order.shipping_address["region"].astext),
    ExportColumn("Postal code", "邮编", Order.shipping_address["postal_code"].astext),
    ExportColumn("Country", "国家/地区", Order.shipping_address["country"].astext),
    ExportColumn("Carrier", "承运商", Order.carrier),
    ExportColumn("Tracking number", "运单号", Order.tracking_number),
)
LINE_COLUMNS = (
    *ORDER_COLUMNS,
    ExportColumn("SKU", "SKU", OrderItem.sku),
    ExportColumn("Product", "商品", OrderItem.product_name),
    ExportColumn("Unit price", "单价", OrderItem.unit_price),
    ExportColumn("Quantity", "数量", OrderItem.quantity),
    ExportColumn("Line total", "小计", OrderItem.line_total),
)


def columns(rows: ExportRows) -> Sequence[ExportColumn]:
    return LINE_COLUMNS if rows is ExportRows.LINES else ORDER_COLUMNS


def file_name(timezone: str) -> str:
    """`orders-2026-12-07.csv`: the business date of the export."""
    return f"orders-{datetime.now(ZoneInfo(timezone)).date().isoformat()}.csv"


async def export_rows(
    session: AsyncSession, *, viewer: Caller, params: OrderExportParams, timezone: str
) -> AsyncIterable[Sequence[Cell]]:
    """The matching orders' rows, in the list's order (lines in the order placed). The query
    is sent and its cursor opened here, before the response starts, so a failure to run it
    is still an error response rather than a cut-off file."""
    chosen = columns(params.rows)
    statement = service.filtered(
        select(*(column.value for column in chosen)).join(User, User.id == Order.user_id),
        viewer=viewer,
        filters=params,
    )
    ordering = service.sort_order(params.sort).clauses()
    if params.rows is ExportRows.LINES:
        statement = statement.join(OrderItem, OrderItem.order_id == Order.id)
        ordering.append(OrderItem.id.asc())
    return await session.stream(
        statement.order_by(*ordering).execution_options(yield_per=BATCH_ROWS),
        {_BUSINESS_TIMEZONE.key: timezone},
    )
