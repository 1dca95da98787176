"""Orders: placing them against locked stock, idempotent retries, the status workflow."""

import hashlib
import json
import typing
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple, Protocol, TypeVarTuple

from limits import RateLimitItem
from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    Table,
    and_,
    any_,
    bindparam,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from app.core import metrics
from app.core.config import Settings
from app.core.database import delete_some
from app.core.errors import InvalidField, RequestInvalid
from app.core.pagination import (
    PageQuery,
    PageResult,
    SortOrder,
    contains_pattern,
    escape_like,
    order_by,
    sort_columns,
)
from app.core.raw_reads import RawRead
from app.core.schemas import MAX_AMOUNT
from app.core.throttle import LimitName, Throttle
from app.orders import notifications
from app.orders.exceptions import (
    IdempotencyKeyReused,
    InvalidTransition,
    OrderNotFound,
    OrderTooLarge,
    ProductsUnavailable,
    TooManyOrders,
    TooManyPendingOrders,
)
from app.orders.models import (
    IdempotencyKey,
    Order,
    OrderItem,
    OrderStatus,
    OrderStatusHistory,
    new_order_number,
)
from app.orders.schemas import (
    OrderCreate,
    OrderFilters,
    OrderItemPublic,
    OrderListParams,
    OrderPublic,
    OrderSort,
    OrderStatusChange,
)
from app.products.exceptions import InsufficientStock, StockShortage
from app.products.stock import TAKE_STOCK, move_stock, take_stock_parameters
from app.users.callers import Caller
from app.users.exceptions import AdminRequired, InvalidToken
from app.users.models import User, UserRole

IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=24)
# The first key of PostgreSQL advisory locks taken per customer (the second is the user id)
# while their pending orders are counted and one is added.
PENDING_CAP_LOCK = 16_001
# Why the system, not a person, moved an order on (`OrderStatusHistory.reason`).
EXPIRED = "expired"

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.COMPLETED}),
    OrderStatus.COMPLETED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
# Customers may only take back an order nobody has acted on yet.
CUSTOMER_CANCELLABLE = frozenset({OrderStatus.PENDING})

_SORT_COLUMNS = sort_columns(OrderSort, Order)
# The list's bind parameters (`_conditions`).
_NUMBER_END = "number_end"
_CUSTOMER_PATTERN = "customer_pattern"
_OWNER = "owner"
_STATUS = "status"
_CREATED_FROM = "created_from"
_CREATED_TO = "created_to"
# Whatever a statement selects, as long as it selects from orders.
Selected = TypeVarTuple("Selected")


def _with_items() -> Select[Order]:
    return select(Order).options(selectinload(Order.items))


async def ensure_may_order(throttle: Throttle, *, customer: Caller, limit: RateLimitItem) -> None:
    """Count an order attempt against the customer's ORDER_RATE_LIMIT, or refuse it."""
    retry_after = await throttle.reserve(LimitName.ORDERS, [(limit, f"user:{customer.id}")])
    if retry_after is not None:
        raise TooManyOrders(retry_after)


def _customer_reads(*, cap_lock: bool) -> Select[*tuple[Any, ...]]:
    statement = select(User.default_shipping_address, *notifications.RECIPIENT_COLUMNS).where(
        User.id == bindparam("customer_id")
    )
    if cap_lock:
        return statement.add_columns(func.pg_advisory_xact_lock(PENDING_CAP_LOCK, User.id))
    return statement


# The statements an order sends are built once, with parameters: building them cost more
# than running them.
_READ_CUSTOMER = _customer_reads(cap_lock=False)
_READ_CUSTOMER_UNDER_CAP_LOCK = _customer_reads(cap_lock=True)
# The stock taken, the customer's pending orders counted in the same round trip.
_TAKE_STOCK_COUNTING_PENDING = TAKE_STOCK.add_columns(
    select(func.count())
    .select_from(Order)
    .where(Order.user_id == bindparam("customer_id"), Order.status == OrderStatus.PENDING)
    .scalar_subquery()
    .label("pending")
)


async def _read_customer(session: AsyncSession, customer: Caller) -> Row[*tuple[Any, ...]]:
    """What the order needs of its customer, read in its transaction: their default
    shipping address and the RECIPIENT_COLUMNS of their mail.

    Customers (not admins) hold at most MAX_PENDING_ORDERS_PER_USER pending orders, so this
    also takes their advisory lock until the transaction ends: their concurrent orders take
    turns, and each one's next statement (whose snapshot starts after the lock was granted)
    counts the others' pending ones. The count can't share this statement, whose snapshot
    was taken before it waited for the lock.
    """
    statement = _READ_CUSTOMER_UNDER_CAP_LOCK if customer.role is UserRole.USER else _READ_CUSTOMER
    row = (await session.execute(statement, {"customer_id": customer.id})).one_or_none()
    if row is None:
        # Deleted since the token was checked: what that check would answer now.
        raise InvalidToken
    return row


def _shipping_address(
    default: dict[str, Any] | None, data: OrderCreate, *, required: bool
) -> dict[str, Any] | None:
    """The order's own copy of where it goes: the one sent, else the customer's `default`.
    A missing one, when `required`, is refused as the missing field it is."""
    if data.shipping_address is not None:
        return data.shipping_address.model_dump(mode="json")
    if default is None and required:
        raise RequestInvalid(
            [InvalidField(type="missing", loc=["body", "shipping_address"], msg="Field required")]
        )
    return default


class _Line(NamedTuple):
    """An order line as stored: the product's name, SKU and price when ordered."""

    product_id: int
    product_name: str
    sku: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal


# The order's own values in `_placing`.
_ORDER_VALUES = ("user_id", "total_amount", "note", "shipping_address")


@cache
def _placing(timezone: str, *, with_key: bool) -> Select[Order]:
    """One statement writing the order, its lines (one array per column, unnested), its
    first history entry and, `with_key`, the claimed key's order; it selects the new order
    joined to its lines. Numbered in `timezone`; run with `_placing_parameters`."""
    orders = typing.cast(Table, Order.__table__)
    order_items = typing.cast(Table, OrderItem.__table__)
    history = typing.cast(Table, OrderStatusHistory.__table__)
    new_order = (
        insert(orders)
        .values(
            order_number=new_order_number(timezone),
            # Given, not left to the column's default: SQLAlchemy applies Python-side
            # defaults to the statement it executes, not to an INSERT inside a CTE.
            status=OrderStatus.PENDING,
            **{
                name: bindparam(f"order_{name}", type_=orders.c[name].type)
                for name in _ORDER_VALUES
            },
        )
        .returning(*orders.c)
        .cte("new_order")
    )
    columns = (
        func.unnest(
            *(
                bindparam(f"line_{name}", type_=ARRAY(order_items.c[name].type))
                for name in _Line._fields
            )
        )
        .table_valued(*_Line._fields)
        .render_derived(name="line")
    )
    new_lines = (
        insert(order_items)
        .from_select(
            ["order_id", *_Line._fields],
            # Every line with the one new order.
            select(new_order.c.id, *columns.c).join_from(new_order, columns, true()),
        )
        .returning(*order_items.c)
        .cte("new_lines")
    )
    first_entry = (
        insert(history)
        .from_select(
            ["order_id", "to_status", "changed_by"],
            select(new_order.c.id, new_order.c.status, new_order.c.user_id),
        )
        .cte("first_entry")
    )
    placed = aliased(Order, new_order)
    placed_lines = placed.items.of_type(aliased(OrderItem, new_lines))
    statement = (
        select(placed)
        .join(placed_lines)
        .options(contains_eager(placed_lines))
        .order_by(new_lines.c.id)
        .add_cte(first_entry)
    )
    if with_key:
        statement = statement.add_cte(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == bindparam("claimed_key"))
            .values(order_id=select(new_order.c.id).scalar_subquery())
            .cte("key_used")
        )
    return statement


def _placing_parameters(
    order: dict[str, Any], lines: Sequence[_Line], claimed_key: uuid.UUID | None
) -> dict[str, Any]:
    """`_placing`'s parameters: `order`, the values of _ORDER_VALUES; the lines, a list per
    column; the claimed key, if any. Each name is prefixed: SQLAlchemy would add a
    parameter named like one of its columns to the SET of the key's UPDATE."""
    values = {f"order_{name}": order[name] for name in _ORDER_VALUES}
    columns = {f"line_{name}": [getattr(line, name) for line in lines] for name in _Line._fields}
    return {**values, **columns, "claimed_key": claimed_key}


async def _place_order(
    session: AsyncSession,
    *,
    customer: Caller,
    data: OrderCreate,
    settings: Settings,
    claimed_key: uuid.UUID | None = None,
) -> Order:
    """Check, take the stock and write the order, its lines, its first history entry, the
    claimed idempotency key's order and the customer's mail: three statements, a fourth for
    the mail.

    The stock is taken in the statement that checks it; a refusal after that (the pending
    cap, the total) rolls back with the request's transaction, which returns it.
    """
    profile = await _read_customer(session, customer)
    shipping_address = _shipping_address(
        profile.default_shipping_address, data, required=settings.ORDERS_REQUIRE_SHIPPING_ADDRESS
    )
    quantities = data.quantities()
    taken = (
        await session.execute(
            _TAKE_STOCK_COUNTING_PENDING,
            {**take_stock_parameters(quantities), "customer_id": customer.id},
        )
    ).all()
    cap = settings.MAX_PENDING_ORDERS_PER_USER
    if customer.role is UserRole.USER and taken[0].pending >= cap:
        raise TooManyPendingOrders(cap)
    unavailable = [line.product_id for line in taken if not line.available]
    if unavailable:
        raise ProductsUnavailable(unavailable)
    short = [
        StockShortage(
            product_id=line.product_id, requested=line.requested, available=line.stock_quantity
        )
        for line in taken
        if not line.enough
    ]
    if short:
        raise InsufficientStock(short)

    products = {line.product_id: line for line in taken}
    lines = [
        _Line(
            product_id=product_id,
            product_name=products[product_id].name,
            sku=products[product_id].sku,
            unit_price=products[product_id].price,
            quantity=quantity,
            line_total=products[product_id].price * quantity,
        )
        for product_id, quantity in quantities.items()
    ]
    total = sum((line.line_total for line in lines), Decimal("0.00"))
    if total > MAX_AMOUNT:
        raise OrderTooLarge
    placing = _placing(settings.BUSINESS_TIMEZONE, with_key=claimed_key is not None)
    parameters = _placing_parameters(
        {
            "user_id": customer.id,
            "total_amount": total,
            "note": data.note,
            "shipping_address": shipping_address,
        },
        lines,
        claimed_key,
    )
    order = (await session.scalars(placing, parameters)).unique().one()
    await notifications.notify(
        session,
        order,
        notifications.OrderEvent.PLACED,
        customer=notifications.recipient(profile),
        settings=settings,
    )
    metrics.count_on_commit(session, metrics.ORDERS_PLACED)
    return order


def _request_hash(data: OrderCreate) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def create_order(
    session: AsyncSession,
    *,
    customer: Caller,
    data: OrderCreate,
    settings: Settings,
    idempotency_key: str | None = None,
) -> tuple[Order, bool]:
    """Place an order; returns it and whether it is new. A customer holding
    MAX_PENDING_ORDERS_PER_USER pending orders places no more, though a repeat still finds
    the order it placed. Its number carries the date in BUSINESS_TIMEZONE.

    With an idempotency key, the first request claims the key by inserting it (or by taking
    over a key past IDEMPOTENCY_KEY_LIFETIME); a concurrent repeat waits on that row's unique
    index until the first commits, then finds the key taken and returns the same order. If
    the first rolls back, the key was never taken.
    """
    if idempotency_key is None:
        return await _place_order(session, customer=customer, data=data, settings=settings), True
    request_hash = _request_hash(data)
    claimed = await session.scalar(
        insert(IdempotencyKey)
        .values(user_id=customer.id, key=idempotency_key, request_hash=request_hash)
        .on_conflict_do_update(
            index_elements=["user_id", "key"],
            set_={"request_hash": request_hash, "order_id": None, "created_at": func.now()},
            where=IdempotencyKey.created_at < datetime.now(UTC) - IDEMPOTENCY_KEY_LIFETIME,
        )
        .returning(IdempotencyKey.id)
    )
    if claimed is None:
        existing = await session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == customer.id, IdempotencyKey.key == idempotency_key
            )
        )
        if existing is None or existing.order_id is None:
            raise OrderNotFound
        if existing.request_hash != request_hash:
            raise IdempotencyKeyReused
        return await _get_order(session, existing.order_id), False
    order = await _place_order(
        session, customer=customer, data=data, settings=settings, claimed_key=claimed
    )
    return order, True


async def _get_order(session: AsyncSession, order_id: int) -> Order:
    """One order with its lines in one statement, a join; a page of orders instead loads the
    lines of all its orders in one more (`_with_items`)."""
    result = await session.scalars(
        select(Order).options(joinedload(Order.items)).where(Order.id == order_id)
    )
    order = result.unique().one_or_none()
    if order is None:
        raise OrderNotFound
    return order


class OrderState(Protocol):
    """What the rules of who sees and moves an order read of it: an Order, or its
    OrderPublic."""

    @property
    def user_id(self) -> int: ...

    @property
    def status(self) -> OrderStatus: ...


def _ensure_visible(viewer: Caller, order: OrderState) -> None:
    # Someone else's order is a 404, not a 403: its existence is not confirmed.
    if order.user_id != viewer.id and not viewer.role.is_admin:
        raise OrderNotFound


_LINE_FIELDS = tuple(OrderItemPublic.model_fields)


def _read_with_lines(match: ColumnElement[bool]) -> RawRead:
    """One order joined to its lines, a row per line, on the driver (`RawRead`)."""
    lines = [getattr(OrderItem, name) for name in _LINE_FIELDS]
    return RawRead(
        select(Order, *lines)
        .outerjoin(OrderItem, OrderItem.order_id == Order.id)
        .where(match)
        .order_by(OrderItem.id)
    )


_ORDER_BY_ID = _read_with_lines(Order.id == bindparam("order_id", type_=Integer))
_ORDER_BY_NUMBER = _read_with_lines(Order.order_number == bindparam("order_number", type_=String))


def _order_public(
    order: Mapping[str, Any], lines: Iterable[Mapping[str, Any]], viewer: Caller
) -> OrderPublic:
    """An order's row and its lines' straight into its response model, if `viewer` may see
    it. Columns that are no field of the model's are ignored."""
    public = OrderPublic.model_validate(
        {
            **order,
            "items": [{name: line[name] for name in _LINE_FIELDS} for line in lines],
            "allowed_transitions": [],
        }
    )
    _ensure_visible(viewer, public)
    # Computed from the validated order: its status as an OrderStatus.
    public.allowed_transitions = allowed_transitions(viewer, public)
    return public


async def _read_order(
    session: AsyncSession, read: RawRead, *, viewer: Caller, **key: Any
) -> OrderPublic:
    """The order `read` finds by `key`, if `viewer` may see it."""
    rows = await read.fetch(session, **key)
    if not rows:
        raise OrderNotFound
    # A row per line, the order's columns on each: an order without lines has one row of
    # nulls for them.
    return _order_public(rows[0], (row for row in rows if row["product_id"] is not None), viewer)


async def get_order(session: AsyncSession, *, viewer: Caller, order_id: int) -> OrderPublic:
    return await _read_order(session, _ORDER_BY_ID, viewer=viewer, order_id=order_id)


async def get_order_by_number(
    session: AsyncSession, *, viewer: Caller, order_number: str
) -> OrderPublic:
    return await _read_order(session, _ORDER_BY_NUMBER, viewer=viewer, order_number=order_number)


def _search(given: frozenset[str]) -> ColumnElement[bool]:
    """Orders whose number ends with the term, any case: `reverse(order_number) LIKE '24%'`,
    a prefix range of ix_orders_order_number_reversed. With a customer pattern given (admins'
    searches): also those of customers whose username or email contains it, through the
    users' trigram indexes."""
    number_end = func.reverse(Order.order_number).like(
        bindparam(_NUMBER_END, type_=String), escape="\\"
    )
    if _CUSTOMER_PATTERN not in given:
        return number_end
    pattern = func.lower(bindparam(_CUSTOMER_PATTERN, type_=String))
    customers = select(User.id).where(
        or_(
            func.lower(User.username).like(pattern, escape="\\"),
            func.lower(User.email).like(pattern, escape="\\"),
        )
    )
    # `= ANY(ARRAY(subquery))`: the customers' ids are found first, and each side of the OR
    # is then an index lookup, ORed as bitmaps. An `IN (subquery)` instead makes PostgreSQL
    # scan every order.
    return or_(number_end, Order.user_id == any_(func.array(customers.scalar_subquery())))


def _filter_values(viewer: Caller, filters: OrderFilters) -> dict[str, Any]:
    """The values of `_conditions`' bind parameters: the orders `viewer` may see, and each
    filter given. Which are given is the statement's shape."""
    values: dict[str, Any] = {}
    if filters.search:
        values[_NUMBER_END] = escape_like(filters.search.upper()[::-1]) + "%"
        if viewer.role.is_admin:
            values[_CUSTOMER_PATTERN] = contains_pattern(filters.search)
    if not viewer.role.is_admin:
        if filters.user_id is not None:
            raise AdminRequired("Only admins filter orders by user")
        values[_OWNER] = viewer.id
    elif filters.user_id is not None:
        values[_OWNER] = filters.user_id
    given = {
        _STATUS: filters.status,
        _CREATED_FROM: filters.created_from,
        _CREATED_TO: filters.created_to,
    }
    return values | {name: value for name, value in given.items() if value is not None}


def _conditions(given: frozenset[str]) -> list[ColumnElement[bool]]:
    """The conditions of the filters named in `given`, with a bind parameter for each
    (`_filter_values` gives them)."""
    conditions = []
    if _NUMBER_END in given:
        conditions.append(_search(given))
    if _OWNER in given:
        conditions.append(Order.user_id == bindparam(_OWNER, type_=Integer))
    if _STATUS in given:
        conditions.append(Order.status == bindparam(_STATUS, type_=Order.status.type))
    if _CREATED_FROM in given:
        conditions.append(Order.created_at >= bindparam(_CREATED_FROM, type_=Order.created_at.type))
    if _CREATED_TO in given:
        conditions.append(Order.created_at < bindparam(_CREATED_TO, type_=Order.created_at.type))
    return conditions


def filtered(
    statement: Select[*Selected], *, viewer: Caller, filters: OrderFilters
) -> Select[*Selected]:
    """`statement` (a select from orders) narrowed to the orders `viewer` may see that match
    `filters`: the export's, as the list's."""
    values = _filter_values(viewer, filters)
    return statement.where(*_conditions(frozenset(values))).params(values)


def sort_order(sort: OrderSort) -> SortOrder:
    return order_by(sort, _SORT_COLUMNS, tiebreaker=Order.id)


@cache
def _orders_page(sort: OrderSort, *, filtered_by: frozenset[str], by_cursor: bool) -> PageQuery:
    """The list's page for one shape of request, compiled once."""
    return PageQuery(
        select(Order).where(*_conditions(filtered_by)),
        sort=sort_order(sort),
        by_cursor=by_cursor,
    )


_LINES_OF_ORDERS = RawRead(
    select(OrderItem.order_id, *(getattr(OrderItem, name) for name in _LINE_FIELDS))
    .where(OrderItem.order_id == any_(bindparam("order_ids", type_=ARRAY(Integer))))
    .order_by(OrderItem.id)
)


async def list_orders(
    session: AsyncSession, *, viewer: Caller, params: OrderListParams
) -> PageResult[OrderPublic]:
    """A page of the orders `viewer` sees, and in one more statement the lines of them all."""
    values = _filter_values(viewer, params)
    query = _orders_page(
        params.sort, filtered_by=frozenset(values), by_cursor=params.cursor is not None
    )
    page = await query.fetch(session, params, **values)
    lines: dict[int, list[Mapping[str, Any]]] = {row["id"]: [] for row in page.rows}
    if lines:
        for line in await _LINES_OF_ORDERS.fetch(session, order_ids=list(lines)):
            lines[line["order_id"]].append(line)
    return page.map(lambda row: _order_public(row, lines[row["id"]], viewer))


async def status_history(
    session: AsyncSession, *, viewer: Caller, order_id: int
) -> Sequence[OrderStatusHistory]:
    await get_order(session, viewer=viewer, order_id=order_id)
    rows = await session.scalars(
        select(OrderStatusHistory)
        .where(OrderStatusHistory.order_id == order_id)
        .order_by(OrderStatusHistory.id)
    )
    return rows.all()


async def _lock_order(session: AsyncSession, *, viewer: Caller, order_id: int) -> Order:
    """The order, locked: racing status changes take turns and see each other's result."""
    order = await session.scalar(
        _with_items()
        .where(Order.id == order_id)
        .with_for_update(of=Order)
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise OrderNotFound
    _ensure_visible(viewer, order)
    return order


def _record_change(
    session: AsyncSession,
    order: Order,
    *,
    to: OrderStatus,
    actor: Caller | None,
    reason: str | None = None,
    carrier: str | None = None,
    tracking_number: str | None = None,
) -> None:
    """The order moves to `to`, and its history says so; a shipment's details go on both."""
    session.add(
        OrderStatusHistory(
            order_id=order.id,
            from_status=order.status,
            to_status=to,
            changed_by=actor.id if actor is not None else None,
            reason=reason,
            carrier=carrier,
            tracking_number=tracking_number,
        )
    )
    order.status = to
    if to is OrderStatus.SHIPPED:
        order.carrier = carrier
        order.tracking_number = tracking_number
    metrics.count_on_commit(session, metrics.ORDER_STATUS_CHANGES.labels(status=to))


def allowed_transitions(actor: Caller, order: OrderState) -> list[OrderStatus]:
    """The statuses `actor` may move the order to now, in workflow order: admins along the
    workflow, customers to cancelled while their order is pending. What `_transition` enforces."""
    allowed = TRANSITIONS[order.status]
    if not actor.role.is_admin:
        owner_may_cancel = order.user_id == actor.id and order.status in CUSTOMER_CANCELLABLE
        allowed = allowed & {OrderStatus.CANCELLED} if owner_may_cancel else frozenset()
    return [status for status in OrderStatus if status in allowed]


async def _transition(
    session: AsyncSession,
    order: Order,
    *,
    change: OrderStatusChange,
    actor: Caller,
    settings: Settings,
) -> Order:
    to = change.status
    if to not in allowed_transitions(actor, order):
        raise InvalidTransition(order.status, to)
    if to is OrderStatus.CANCELLED:
        # Under the order's lock, so a second cancel finds it cancelled and restocks nothing.
        await move_stock(session, {item.product_id: item.quantity for item in order.items})
    _record_change(
        session,
        order,
        to=to,
        actor=actor,
        carrier=change.carrier,
        tracking_number=change.tracking_number,
    )
    event = notifications.status_event(order, to=to, actor=actor)
    if event is not None:
        await notifications.notify_owners(session, [order], event, settings=settings)
    await session.flush()
    return order


async def cancel_order(
    session: AsyncSession, *, actor: Caller, order_id: int, settings: Settings
) -> Order:
    order = await _lock_order(session, viewer=actor, order_id=order_id)
    return await _transition(
        session,
        order,
        change=OrderStatusChange(status=OrderStatus.CANCELLED),
        actor=actor,
        settings=settings,
    )


async def change_status(
    session: AsyncSession,
    *,
    actor: Caller,
    order_id: int,
    change: OrderStatusChange,
    settings: Settings,
) -> Order:
    """Move the order along the workflow; a change to `shipped` records its shipment."""
    order = await _lock_order(session, viewer=actor, order_id=order_id)
    return await _transition(session, order, change=change, actor=actor, settings=settings)


async def change_statuses(
    sessions: async_sessionmaker[AsyncSession],
    *,
    actor: Caller,
    order_ids: Sequence[int],
    change: OrderStatusChange,
    settings: Settings,
) -> list[Order | OrderNotFound | InvalidTransition]:
    """`change_status` for each order in turn, each in a transaction of its own: one that
    can't move is refused as it would be alone and leaves the others moving. Per id, the
    order moved or the error refusing it. One order lock at a time, so a bulk change never
    deadlocks against another or against a single change."""
    outcomes: list[Order | OrderNotFound | InvalidTransition] = []
    for order_id in order_ids:
        try:
            async with sessions() as session, session.begin():
                order = await change_status(
                    session, actor=actor, order_id=order_id, change=change, settings=settings
                )
        except (OrderNotFound, InvalidTransition) as refusal:
            outcomes.append(refusal)
        else:
            outcomes.append(order)
    return outcomes


def _overdue(ttl: timedelta) -> ColumnElement[bool]:
    return and_(Order.status == OrderStatus.PENDING, Order.created_at < func.now() - ttl)


async def expire_pending_orders(
    session: AsyncSession, *, ttl: timedelta, limit: int, settings: Settings
) -> int:
    """Cancel up to `limit` pending orders placed more than `ttl` ago, return their stock and
    mail their customers; returns how many.

    Orders whose lock someone holds (a customer cancelling, an admin marking one paid) are
    skipped: that change goes first, and a later sweep sees its result. An order is only
    ever cancelled under its lock, so its stock comes back once.
    """
    orders = (
        await session.scalars(
            _with_items()
            .where(_overdue(ttl))
            .order_by(Order.id)
            .limit(limit)
            .with_for_update(of=Order, skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    returned: dict[int, int] = {}
    for order in orders:
        for item in order.items:
            returned[item.product_id] = returned.get(item.product_id, 0) + item.quantity
        _record_change(session, order, to=OrderStatus.CANCELLED, actor=None, reason=EXPIRED)
    # One movement for the whole batch, in ascending product order like every checkout.
    await move_stock(session, returned)
    await notifications.notify_owners(
        session, orders, notifications.OrderEvent.EXPIRED, settings=settings
    )
    await session.flush()
    return len(orders)


async def count_overdue_orders(session: AsyncSession, *, ttl: timedelta) -> int:
    """Pending orders placed more than `ttl` ago: those an expiry has yet to cancel."""
    overdue = await session.scalar(select(func.count()).select_from(Order).where(_overdue(ttl)))
    return overdue or 0


async def purge_idempotency_keys(session: AsyncSession, *, limit: int) -> int:
    """Delete up to `limit` keys past IDEMPOTENCY_KEY_LIFETIME; returns how many."""
    return await delete_some(
        session,
        IdempotencyKey.id,
        IdempotencyKey.created_at < func.now() - IDEMPOTENCY_KEY_LIFETIME,
        limit=limit,
    )
