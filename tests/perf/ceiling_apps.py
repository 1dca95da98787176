"""The ceilings' server: for each hot workload, the same answer as the API's with nothing but
a bare ASGI app and raw asyncpg, run by uvicorn exactly like the API (workers included).

- `GET /api/health` (C1): the API's own answer bytes, read from a file; what a Python ASGI
  server on this machine can do at all.
- `GET /api/products` (C2): the token checked by the API's own function, the user checked
  by id (active, same token version), then the API's one statement for the page and its
  total; the rows into the same JSON.
- `GET /api/orders/{id}` (C4): token, user, the order joined to its lines as the API reads
  it, refused unless the caller owns it.
- `POST /api/orders` (C6a): token, user, then the API's transaction in the fewest round
  trips: `BEGIN` with the customer's advisory lock, one statement that counts their pending
  orders, locks the products in ascending id order, takes the stock and inserts the order,
  its lines and its first history row, and the fsync'd `COMMIT`.

The ceilings serve customers, as the workloads do. Configured by the API's own environment
(DATABASE_URL, SECRET_KEY, ...) and CEILING_HEALTH_BODY_FILE, read in each worker at import.
"""

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

import asyncpg
from sqlalchemy.dialects import postgresql

from app.core.config import get_settings
from app.core.pagination import MAX_OFFSET, MAX_PAGE_SIZE, order_by, sort_columns
from app.core.schemas import MAX_AMOUNT, MAX_ROW_ID
from app.core.security import InvalidAccessToken, decode_access_token
from app.orders.models import new_order_number
from app.orders.schemas import MAX_LINE_QUANTITY
from app.orders.service import PENDING_CAP_LOCK
from app.products.models import Product
from app.products.schemas import ProductSort

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

SETTINGS = get_settings()
HEALTH_BODY = Path(os.environ["CEILING_HEALTH_BODY_FILE"]).read_bytes()
JSON_HEADERS = [(b"content-type", b"application/json")]

USER_SQL = (
    "SELECT id, role, is_active, token_version, default_shipping_address FROM users WHERE id = $1"
)
# A customer's page: the total from the maintained counts rides along, as in the API.
PAGE_SQL = """
SELECT id, name, sku, description, price, stock_quantity, status, created_at, updated_at,
    (SELECT coalesce(sum(products), 0)::bigint FROM product_status_counts
        WHERE status = 'active') AS total
FROM products WHERE status = 'active' ORDER BY name, id LIMIT $1 OFFSET $2
"""
EMPTY_PAGE_TOTAL_SQL = (
    "SELECT coalesce(sum(products), 0)::bigint FROM product_status_counts WHERE status = 'active'"
)
PRODUCT_FIELDS = (
    "id", "name", "sku", "description", "price", "stock_quantity", "status", "created_at",
    "updated_at",
)  # fmt: skip
ORDER_FIELDS = (
    "id", "order_number", "user_id", "status", "total_amount", "note", "shipping_address",
    "carrier", "tracking_number",
)  # fmt: skip
LINE_FIELDS = ("product_id", "product_name", "sku", "unit_price", "quantity", "line_total")
# An order's columns, then its lines' (NULL for an order without any).
ORDER_COLUMNS = ", ".join(
    [f"o.{name}" for name in (*ORDER_FIELDS, "created_at", "updated_at")]
    + [f"i.{name}" for name in LINE_FIELDS]
)
ORDER_SQL = f"""
SELECT {ORDER_COLUMNS}
FROM orders o LEFT JOIN order_items i ON i.order_id = o.id WHERE o.id = $1 ORDER BY i.id
"""
_ORDER_NUMBER = new_order_number(SETTINGS.BUSINESS_TIMEZONE).compile(
    dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
    compile_kwargs={"literal_binds": True},
)
# $1 the customer, $2 and $3 the products and their quantities in the request's order, $4
# the note, $5 the address, $6 the pending cap, $7 the largest total. The count sees every
# order placed before the advisory lock was granted (this statement's snapshot is younger);
# `verdict` reads `locked` whole, in id order, before `taken` changes any row; a refusal
# inserts nothing and returns no row. Data-modifying CTEs run whether read or not.
PLACE_ORDER_SQL = f"""
WITH requested AS (
    SELECT product_id, quantity, line
    FROM unnest($2::integer[], $3::integer[]) WITH ORDINALITY AS r (product_id, quantity, line)
), locked AS (
    SELECT id, name, sku, price, stock_quantity, status FROM products
    WHERE id = ANY($2::integer[]) ORDER BY id FOR UPDATE
), verdict AS (
    SELECT sum(l.price * r.quantity) AS total
    FROM requested r LEFT JOIN locked l ON l.id = r.product_id
    HAVING count(l.id) = count(*)
        AND bool_and(l.status = 'active' AND l.stock_quantity >= r.quantity)
        AND sum(l.price * r.quantity) <= $7::numeric
        AND (SELECT count(*) FROM orders WHERE user_id = $1 AND status = 'pending') < $6::bigint
), taken AS (
    UPDATE products p SET stock_quantity = p.stock_quantity - r.quantity, updated_at = now()
    FROM requested r WHERE p.id = r.product_id AND EXISTS (SELECT FROM verdict)
), o AS (
    INSERT INTO orders (order_number, user_id, total_amount, note, shipping_address)
    SELECT {_ORDER_NUMBER}, $1, total, $4, $5 FROM verdict
    RETURNING *
), i AS (
    INSERT INTO order_items (order_id, product_id, product_name, sku, unit_price, quantity,
        line_total)
    SELECT o.id, l.id, l.name, l.sku, l.price, r.quantity, l.price * r.quantity
    FROM o, requested r JOIN locked l ON l.id = r.product_id ORDER BY r.line
    RETURNING *
), history AS (
    INSERT INTO order_status_history (order_id, to_status, changed_by)
    SELECT id, status, user_id FROM o
)
SELECT {ORDER_COLUMNS} FROM o JOIN i ON i.order_id = o.id ORDER BY i.id
"""


class Refused(Exception):
    """An answer other than the happy one: its status, and the API's `detail` and `code`."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def _plain(value: object) -> str:
    """What the API's response models make of the values JSON has no type for."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(f"no JSON for {value!r}")


_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_plain)


async def _respond(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": JSON_HEADERS})
    await send({"type": "http.response.body", "body": body})


async def _answer(send: Send, status: int, document: object) -> None:
    await _respond(send, status, _encoder.encode(document).encode())


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _bearer_token(scope: Scope) -> str:
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token:
                return token
    raise Refused(401, "not_authenticated", "Not authenticated")


async def _customer(scope: Scope, connection: asyncpg.Connection) -> asyncpg.Record:
    """The caller's row, checked as the API checks it on every request."""
    try:
        claims = decode_access_token(_bearer_token(scope), settings=SETTINGS)
    except InvalidAccessToken:
        raise Refused(401, "invalid_token", "Could not validate credentials") from None
    user = await connection.fetchrow(USER_SQL, claims.user_id)
    if user is None or not user["is_active"] or user["token_version"] != claims.token_version:
        raise Refused(401, "invalid_token", "Could not validate credentials")
    if user["role"] != "user":
        raise Refused(403, "customers_only", "The ceilings serve customers' requests only")
    return user


def _order(rows: Sequence[asyncpg.Record]) -> dict[str, Any]:
    """ORDER_SQL's rows of one order as the API's OrderPublic, seen by its owner."""
    first = rows[0]
    return {
        **{name: first[name] for name in ORDER_FIELDS},
        "items": [
            {name: row[name] for name in LINE_FIELDS}
            for row in rows
            if row["product_id"] is not None
        ],
        "created_at": first["created_at"],
        "updated_at": first["updated_at"],
        # A customer may only cancel, and only while the order is pending.
        "allowed_transitions": ["cancelled"] if first["status"] == "pending" else [],
    }


_BY_NAME = order_by("name", sort_columns(ProductSort, Product), tiebreaker=Product.id)


async def _product_page(scope: Scope, pool: asyncpg.Pool) -> dict[str, Any]:
    query = parse_qs(scope["query_string"].decode())
    invalid = Refused(
        422, "invalid_page", f"limit: 1 to {MAX_PAGE_SIZE}, offset: 0 to {MAX_OFFSET}"
    )
    try:
        limit = int(query.get("limit", ["20"])[0])
        offset = int(query.get("offset", ["0"])[0])
    except ValueError:
        raise invalid from None
    if not (1 <= limit <= MAX_PAGE_SIZE and 0 <= offset <= MAX_OFFSET):
        raise invalid
    async with pool.acquire() as connection:
        await _customer(scope, connection)
        # One row more tells whether another page follows.
        rows = await connection.fetch(PAGE_SQL, limit + 1, offset)
        total = rows[0]["total"] if rows else await connection.fetchval(EMPTY_PAGE_TOTAL_SQL)
    last = SimpleNamespace(**dict(rows[limit - 1])) if len(rows) > limit else None
    return {
        "items": [{name: row[name] for name in PRODUCT_FIELDS} for row in rows[:limit]],
        "total": total,
        "total_capped": False,
        "limit": limit,
        "offset": offset,
        "next_cursor": None if last is None else _BY_NAME.cursor_for(last),
    }


async def _owned_order(scope: Scope, pool: asyncpg.Pool, order_id: int) -> dict[str, Any]:
    async with pool.acquire() as connection:
        customer_id = (await _customer(scope, connection))["id"]
        rows = await connection.fetch(ORDER_SQL, order_id)
    # Someone else's order is a 404, as in the API.
    if not rows or rows[0]["user_id"] != customer_id:
        raise Refused(404, "order_not_found", "Order not found")
    return _order(rows)


def _is_whole(value: object, maximum: int) -> bool:
    return type(value) is int and 1 <= value <= maximum


def _requested(body: bytes) -> tuple[dict[int, int], str | None]:
    """The body's quantity per product (lines of one product summed, in the order the
    products first appear) and its note. The workloads' bodies name no address: the order
    ships to the customer's default one, and a body with an address is refused."""
    invalid = Refused(422, "invalid_order", "items (product_id, quantity) and a note only")
    try:
        order = json.loads(body)
        lines = [(line["product_id"], line["quantity"]) for line in order["items"]]
    except (ValueError, TypeError, KeyError):
        raise invalid from None
    note = order.get("note")
    if not lines or set(order) - {"items", "note"} or not isinstance(note, str | None):
        raise invalid
    quantities: dict[int, int] = {}
    for product_id, quantity in lines:
        if not (_is_whole(product_id, MAX_ROW_ID) and _is_whole(quantity, MAX_LINE_QUANTITY)):
            raise invalid
        quantities[product_id] = quantities.get(product_id, 0) + quantity
    return quantities, note


async def _placed_order(scope: Scope, pool: asyncpg.Pool, body: bytes) -> dict[str, Any]:
    quantities, note = _requested(body)
    async with pool.acquire() as connection:
        customer = await _customer(scope, connection)
        rows: list[asyncpg.Record] = []
        try:
            # One round trip for both: the simple query protocol takes several statements,
            # and the id is an integer from the database.
            await connection.execute(
                f"BEGIN; SELECT pg_advisory_xact_lock({PENDING_CAP_LOCK}, {customer['id']:d})"
            )
            rows = await connection.fetch(
                PLACE_ORDER_SQL,
                customer["id"],
                list(quantities),
                list(quantities.values()),
                note,
                customer["default_shipping_address"],
                SETTINGS.MAX_PENDING_ORDERS_PER_USER,
                MAX_AMOUNT,
            )
        finally:
            # A refusal wrote nothing; either way the advisory lock ends with the transaction.
            await connection.execute("COMMIT" if rows else "ROLLBACK")
    if not rows:
        raise Refused(
            409, "order_refused", "A product is missing, inactive or short, or too many pending"
        )
    return _order(rows)


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Instead of asyncpg's reset query on every release (a round trip the API's pool does
    not make): every transaction here ends before its connection goes back."""


_pools: list[asyncpg.Pool] = []


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            _pools.append(
                await asyncpg.create_pool(
                    SETTINGS.database_url.set(drivername="postgresql").render_as_string(
                        hide_password=False
                    ),
                    # The API's pool: its size and overflow.
                    min_size=SETTINGS.DATABASE_POOL_SIZE,
                    max_size=SETTINGS.DATABASE_POOL_SIZE + SETTINGS.DATABASE_MAX_OVERFLOW,
                    reset=_keep_session,
                    init=_decode_json,
                )
            )
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await _pools.pop().close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _decode_json(connection: asyncpg.Connection) -> None:
    """JSONB in and out as Python values (addresses), as SQLAlchemy's dialect does."""
    await connection.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )


async def ceilings(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    method, path, pool = scope["method"], scope["path"], _pools[0]
    try:
        if method == "GET" and path == "/api/health":
            await _respond(send, 200, HEALTH_BODY)
        elif method == "GET" and path == "/api/products":
            await _answer(send, 200, await _product_page(scope, pool))
        elif method == "GET" and path.startswith("/api/orders/"):
            order_id = path.removeprefix("/api/orders/")
            if not (order_id.isascii() and order_id.isdigit() and int(order_id) <= MAX_ROW_ID):
                raise Refused(422, "invalid_order_id", "An order id is a whole number")
            await _answer(send, 200, await _owned_order(scope, pool, int(order_id)))
        elif method == "POST" and path == "/api/orders":
            await _answer(send, 201, await _placed_order(scope, pool, await _body(receive)))
        else:
            raise Refused(404, "not_found", "Not Found")
    except Refused as refused:
        await _answer(send, refused.status, {"detail": refused.detail, "code": refused.code})
