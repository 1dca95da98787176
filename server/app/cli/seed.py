"""Demo data for `python -m app.cli seed-demo`: products, customers and months of orders.

The same seed gives the same products, customers and orders, down to the prices and lines.
Rows go in with PostgreSQL's COPY, in one transaction, so 100,000 orders take seconds, not
hours, and a failure leaves nothing behind. Each run tags its SKUs and usernames with a run
number (`DEMO2-KIT-000001`, `demo2.olivia.martin1`), so seeding twice adds a second set
instead of colliding with the first.
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.database import Base
from app.core.security import hash_password
from app.orders.models import Order, OrderItem, OrderStatus, OrderStatusHistory
from app.products.models import Product, ProductStatus
from app.users.models import User, UserRole

DEMO_PASSWORD = "demo-password"  # noqa: S105 - the documented password of demo accounts
ORDERS_PER_BATCH = 5_000
ORDER_HISTORY_SPAN = timedelta(days=180)
# Products and customers exist before the first demo order.
ACCOUNT_AGE_DAYS = (181.0, 400.0)

# code: (category nouns, lowest and highest whole price)
CATEGORIES: dict[str, tuple[tuple[str, ...], int, int]] = {
    "KIT": (
        ("Chef's Knife", "Cutting Board", "Saucepan", "Frying Pan", "Mixing Bowl", "Colander",
         "Spatula", "Teapot", "Coffee Grinder", "Salad Spinner", "Pepper Mill"),
        4, 140,
    ),
    "HOM": (
        ("Throw Pillow", "Table Lamp", "Wall Clock", "Picture Frame", "Candle Holder", "Vase",
         "Doormat", "Bookshelf", "Laundry Basket", "Bath Towel"),
        6, 260,
    ),
    "OFF": (
        ("Notebook", "Desk Organizer", "Fountain Pen", "Stapler", "Monitor Stand", "Desk Chair",
         "Letter Tray", "Whiteboard", "Desk Lamp"),
        2, 420,
    ),
    "ELE": (
        ("Bluetooth Speaker", "USB-C Charger", "Wireless Mouse", "Mechanical Keyboard",
         "Headphones", "Webcam", "Power Bank", "Smart Plug", "HDMI Cable"),
        8, 320,
    ),
    "OUT": (
        ("Camping Tent", "Sleeping Bag", "Water Bottle", "Hiking Backpack", "Headlamp",
         "Folding Chair", "Picnic Blanket", "Trekking Poles"),
        7, 380,
    ),
    "GAR": (
        ("Watering Can", "Pruning Shears", "Planter", "Garden Hose", "Bird Feeder", "Trowel",
         "Wheelbarrow", "Seed Tray"),
        3, 160,
    ),
    "TOY": (
        ("Jigsaw Puzzle", "Building Blocks", "Plush Bear", "Kite", "Board Game", "Yo-Yo",
         "Marble Run", "Wooden Train"),
        4, 90,
    ),
}  # fmt: skip
ADJECTIVES = (
    "Classic", "Compact", "Deluxe", "Eco", "Ergonomic", "Handmade", "Heavy-Duty", "Lightweight",
    "Modern", "Premium", "Rustic", "Sleek", "Vintage", "Portable", "Essential", "Nordic",
)  # fmt: skip
MATERIALS = (
    "Oak", "Bamboo", "Steel", "Copper", "Ceramic", "Linen", "Leather", "Walnut", "Marble",
    "Glass", "Slate Grey", "Navy", "Forest Green", "Sand", "Cotton", "Recycled",
)  # fmt: skip
TAGLINES = (
    "Built to last.", "A customer favourite.", "Makes a thoughtful gift.",
    "Easy to clean.", "Designed in-house.", "Limited run.",
)  # fmt: skip
FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Mia", "Lucas",
    "Ava", "Mateo", "Isla", "Leo", "Freya", "Arjun", "Yuki", "Chloe", "Omar", "Zara", "Jonas",
    "Ines", "Kofi", "Sofia", "Hugo", "Priya", "Felix", "Nora", "Tomas", "Leila",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Smith", "Garcia", "Mueller", "Rossi", "Nakamura", "Okafor", "Dubois", "Kowalski",
    "Silva", "Jensen", "Novak", "Haddad", "Patel", "Kim", "Larsen", "Moreau", "Costa", "Berg",
    "Fischer", "Ward", "Santos", "Ivanova", "Walsh", "Tanaka", "Lopez", "Brennan", "Eriksen",
)  # fmt: skip
NOTES = ("Please leave at the front door.", "Gift wrap, please.", "Call before delivery.")

PRODUCT_STATUS_WEIGHTS = {
    ProductStatus.ACTIVE: 85,
    ProductStatus.INACTIVE: 10,
    ProductStatus.ARCHIVED: 5,
}
LINE_COUNT_WEIGHTS = {1: 35, 2: 30, 3: 18, 4: 10, 5: 7}
QUANTITY_WEIGHTS = {1: 60, 2: 22, 3: 10, 4: 5, 5: 3}
# Recent orders are still moving through the workflow; older ones have mostly completed.
STATUS_WEIGHTS_BY_AGE: tuple[tuple[timedelta, dict[OrderStatus, int]], ...] = (
    (timedelta(days=2), {OrderStatus.PENDING: 50, OrderStatus.PAID: 30, OrderStatus.SHIPPED: 10,
                         OrderStatus.CANCELLED: 10}),
    (timedelta(days=14), {OrderStatus.PENDING: 4, OrderStatus.PAID: 12, OrderStatus.SHIPPED: 34,
                          OrderStatus.COMPLETED: 40, OrderStatus.CANCELLED: 10}),
    (timedelta.max, {OrderStatus.SHIPPED: 2, OrderStatus.COMPLETED: 86,
                     OrderStatus.CANCELLED: 12}),
)  # fmt: skip
WORKFLOW = (OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED)


@dataclass(frozen=True)
class DemoSize:
    products: int
    users: int
    orders: int


@dataclass(frozen=True)
class SeedReport:
    run: int
    products: int
    users: int
    orders: int
    order_items: int
    sku_prefix: str
    username_prefix: str


@dataclass(frozen=True)
class _Product:
    id: int
    name: str
    sku: str
    price: Decimal


def _weighted(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _price(rng: random.Random, lowest: int, highest: int) -> Decimal:
    # Shop prices: mostly .99, some .49, .95 or round, a few anything.
    cents = rng.choice((99, 99, 99, 49, 95, 0, rng.randrange(100)))
    return Decimal(rng.randint(lowest, highest) * 100 + cents).scaleb(-2)


def _stock(rng: random.Random) -> int:
    # About one product in eight runs low, so the low-stock report has something to show.
    return rng.randrange(10) if rng.random() < 0.125 else rng.randint(10, 500)


def _account_created_at(rng: random.Random, now: datetime) -> datetime:
    return now - timedelta(days=rng.uniform(*ACCOUNT_AGE_DAYS))


class _Rows:
    """Rows to write with COPY, by table, each a mapping of column to value."""

    def __init__(self, *models: type[Base]) -> None:
        # Each COPY checks its foreign keys when it ends: tables are written in the order
        # given here, so list the referenced ones first.
        self._tables: dict[str, list[dict[str, Any]]] = {
            model.__tablename__: [] for model in models
        }

    def add(self, model: type[Base], **values: Any) -> None:
        self._tables[model.__tablename__].append(values)

    def count(self, model: type[Base]) -> int:
        return len(self._tables[model.__tablename__])

    async def copy(self, driver: Any) -> None:
        """Write every row through `driver`, the asyncpg connection."""
        for table, rows in self._tables.items():
            if rows:
                await driver.copy_records_to_table(
                    table, columns=list(rows[0]), records=[tuple(row.values()) for row in rows]
                )


class _Seeder:
    """One seeding: its random generator, run number and clock, and what it writes."""

    def __init__(
        self,
        connection: AsyncConnection,
        driver: Any,
        *,
        seed: int,
        run: int,
        business_timezone: ZoneInfo,
    ) -> None:
        self.connection = connection
        self.driver = driver  # the asyncpg connection under `connection`, for COPY
        self.rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not secrets
        self.run = run
        self.now = datetime.now(UTC)
        self.business_timezone = business_timezone  # the date in order numbers

    async def reserve_ids(self, table: str, count: int) -> list[int]:
        """`count` ids from the table's own sequence, so later inserts never collide."""
        rows = await self.connection.execute(
            select(func.nextval(func.pg_get_serial_sequence(table, "id"))).select_from(
                func.generate_series(1, count)
            )
        )
        return list(rows.scalars())

    async def products(self, count: int) -> list[_Product]:
        ids = await self.reserve_ids(Product.__tablename__, count)
        codes = list(CATEGORIES)
        products, rows = [], _Rows(Product)
        for number, product_id in enumerate(ids, start=1):
            code = self.rng.choice(codes)
            nouns, lowest, highest = CATEGORIES[code]
            adjective, material, noun = (
                self.rng.choice(ADJECTIVES),
                self.rng.choice(MATERIALS),
                self.rng.choice(nouns),
            )
            product = _Product(
                id=product_id,
                name=f"{adjective} {material} {noun}",
                sku=f"DEMO{self.run}-{code}-{number:06d}",
                price=_price(self.rng, lowest, highest),
            )
            description = f"{noun} in {material.lower()}. {self.rng.choice(TAGLINES)}"
            status = _weighted(self.rng, PRODUCT_STATUS_WEIGHTS)
            created_at = _account_created_at(self.rng, self.now)
            products.append(product)
            rows.add(
                Product,
                id=product.id,
                name=product.name,
                sku=product.sku,
                description=description,
                price=product.price,
                stock_quantity=_stock(self.rng),
                status=status.value,
                created_at=created_at,
                updated_at=created_at,
            )
        await rows.copy(self.driver)
        return products

    async def users(self, count: int, hashed_password: str) -> list[int]:
        ids = await self.reserve_ids(User.__tablename__, count)
        rows = _Rows(User)
        for number, user_id in enumerate(ids, start=1):
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            username = f"demo{self.run}.{first}.{last}{number}".lower()
            created_at = _account_created_at(self.rng, self.now)
            rows.add(
                User,
                id=user_id,
                username=username,
                email=f"{username}@example.com",
                full_name=f"{first} {last}",
                role=UserRole.USER.value,
                is_active=self.rng.random() < 0.95,
                hashed_password=hashed_password,
                created_at=created_at,
                updated_at=created_at,
            )
        await rows.copy(self.driver)
        return ids

    async def staff_id(self) -> int | None:
        """Who moves orders along in the history: the first active admin, if there is one."""
        return await self.connection.scalar(
            select(User.id)
            .where(User.role.in_([UserRole.ADMIN, UserRole.SUPERADMIN]), User.is_active)
            .order_by(User.id)
            .limit(1)
        )

    def order_times(self, count: int) -> Iterator[datetime]:
        """Oldest first, so order ids and numbers grow with time as in a real shop."""
        span = ORDER_HISTORY_SPAN.total_seconds()
        offsets = sorted((self.rng.uniform(0, span) for _ in range(count)), reverse=True)
        return (self.now - timedelta(seconds=offset) for offset in offsets)

    def path_to(self, status: OrderStatus) -> list[OrderStatus]:
        """The statuses an order went through to reach `status`, creation first."""
        if status is OrderStatus.CANCELLED:
            cancelled_after = self.rng.choice(WORKFLOW[:2])
            return [*WORKFLOW[: WORKFLOW.index(cancelled_after) + 1], status]
        return list(WORKFLOW[: WORKFLOW.index(status) + 1])

    def status_for(self, created_at: datetime) -> OrderStatus:
        age = self.now - created_at
        weights = next(w for limit, w in STATUS_WEIGHTS_BY_AGE if age <= limit)
        return OrderStatus(_weighted(self.rng, weights))


async def _order_batch(
    seeder: _Seeder,
    times: list[datetime],
    *,
    products: list[_Product],
    popularity: list[float],
    customers: list[int],
    staff: int | None,
) -> _Rows:
    rng = seeder.rng
    numbers = await seeder.connection.execute(
        select(
            func.nextval(func.pg_get_serial_sequence(Order.__tablename__, "id")),
            # The same sequence the column default draws from, with the date of the demo order.
            func.nextval("order_number_seq"),
        ).select_from(func.generate_series(1, len(times)))
    )
    rows = _Rows(Order, OrderItem, OrderStatusHistory)  # in the order the foreign keys need
    for created_at, (order_id, number) in zip(times, numbers, strict=True):
        customer = rng.choice(customers)
        picks = rng.choices(products, cum_weights=popularity, k=_weighted(rng, LINE_COUNT_WEIGHTS))
        total = Decimal("0.00")
        for product in dict.fromkeys(picks):  # the same product twice is one line
            quantity = _weighted(rng, QUANTITY_WEIGHTS)
            line_total = product.price * quantity
            total += line_total
            rows.add(
                OrderItem,
                order_id=order_id,
                product_id=product.id,
                product_name=product.name,
                sku=product.sku,
                unit_price=product.price,
                quantity=quantity,
                line_total=line_total,
            )
        path = seeder.path_to(seeder.status_for(created_at))
        changed_at, previous = created_at, None
        for status in path:
            if previous is not None:
                step = timedelta(seconds=rng.uniform(3_600, 3 * 86_400))
                changed_at = min(changed_at + step, seeder.now)
            # Customers place and take back their pending orders; staff do the rest.
            by_customer = previous is None or (
                previous is OrderStatus.PENDING and status is OrderStatus.CANCELLED
            )
            rows.add(
                OrderStatusHistory,
                order_id=order_id,
                from_status=previous.value if previous else None,
                to_status=status.value,
                changed_by=customer if by_customer else staff,
                changed_at=changed_at,
            )
            previous = status
        rows.add(
            Order,
            id=order_id,
            order_number=(
                f"ORD-{created_at.astimezone(seeder.business_timezone):%Y%m%d}-{number:06d}"
            ),
            user_id=customer,
            status=path[-1].value,
            total_amount=total,
            note=rng.choice(NOTES) if rng.random() < 0.05 else None,
            created_at=created_at,
            updated_at=changed_at,
        )
    return rows


async def _next_run(connection: AsyncConnection) -> int:
    """One more than the highest run number already in the database's SKUs and usernames."""
    highest = await connection.scalar(
        text(
            "SELECT greatest("
            r"(SELECT max(substring(sku FROM '^DEMO(\d+)-')::int) FROM products), "
            r"(SELECT max(substring(username FROM '^demo(\d+)\.')::int) FROM users))"
        )
    )
    return (highest or 0) + 1


async def seed_demo(
    engine: AsyncEngine,
    size: DemoSize,
    *,
    seed: int,
    business_timezone: ZoneInfo,
    on_progress: Callable[[int], None] = lambda rows: None,
) -> SeedReport:
    """Load the demo data in one transaction, its orders numbered with their dates in
    `business_timezone`; `on_progress` hears of every product, user and order written, in
    batches."""
    hashed_password = await hash_password(DEMO_PASSWORD)  # one bcrypt hash for every customer
    async with engine.begin() as connection:
        # Two seeds at once would pick the same run number; the second waits for the first.
        await connection.execute(select(func.pg_advisory_xact_lock(func.hashtext("seed-demo"))))
        run = await _next_run(connection)
        driver = (await connection.get_raw_connection()).driver_connection
        seeder = _Seeder(
            connection, driver, seed=seed, run=run, business_timezone=business_timezone
        )

        products = await seeder.products(size.products)
        on_progress(size.products)
        customers = await seeder.users(size.users, hashed_password)
        on_progress(size.users)

        # A few products sell far more than the rest, as in any shop.
        ranks = list(range(1, len(products) + 1))
        seeder.rng.shuffle(ranks)
        popularity = list(accumulate(1 / rank**0.8 for rank in ranks))
        staff = await seeder.staff_id()
        times = list(seeder.order_times(size.orders))
        order_items = 0
        for start in range(0, size.orders, ORDERS_PER_BATCH):
            rows = await _order_batch(
                seeder,
                times[start : start + ORDERS_PER_BATCH],
                products=products,
                popularity=popularity,
                customers=customers,
                staff=staff,
            )
            order_items += rows.count(OrderItem)
            orders_written = rows.count(Order)
            await rows.copy(seeder.driver)
            on_progress(orders_written)
    return SeedReport(
        run=run,
        products=len(products),
        users=len(customers),
        orders=size.orders,
        order_items=order_items,
        sku_prefix=f"DEMO{run}-",
        username_prefix=f"demo{run}.",
    )
