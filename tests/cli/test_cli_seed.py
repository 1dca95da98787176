"""`python -m app.cli seed-demo`: consistent, deterministic demo data, loadable more than once."""

from typing import Any

import pytest
from cli_support import (
    another_database,
    assert_fails,
    create_admin,
    fetch,
    migrated,
    password_matches,
    run,
    run_ok,
    scalar,
)
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from app.cli.main import app
from app.cli.seed import DEMO_PASSWORD, ORDERS_PER_BATCH
from app.orders.models import OrderStatus


@pytest.fixture
def database(scratch_database_url: URL) -> URL:
    return migrated(scratch_database_url)


def _seed(url: URL, *, products: int, users: int, orders: int, seed: int) -> str:
    return run_ok(
        url,
        "seed-demo",
        "--products", str(products),
        "--users", str(users),
        "--orders", str(orders),
        "--seed", str(seed),
    )  # fmt: skip


def _count(url: URL, sql: str) -> int:
    count: int = scalar(url, sql)
    return count


def test_seed_demo_writes_consistent_orders_in_batches(database: URL) -> None:
    orders = ORDERS_PER_BATCH + 500
    create_admin(database)
    output = _seed(database, products=60, users=25, orders=orders, seed=11)

    assert _count(database, "SELECT count(*) FROM products") == 60
    assert _count(database, "SELECT count(*) FROM users WHERE role = 'user'") == 25
    assert _count(database, "SELECT count(*) FROM orders") == orders
    # Each order: one to five lines, snapshots of its products, a total that adds up.
    assert _count(database, """
        SELECT count(*) FROM orders o
        WHERE (SELECT count(*) FROM order_items i WHERE i.order_id = o.id) NOT BETWEEN 1 AND 5
           OR o.total_amount <> (SELECT sum(line_total) FROM order_items i WHERE i.order_id = o.id)
    """) == 0  # fmt: skip
    assert _count(database, """
        SELECT count(*) FROM order_items i JOIN products p ON p.id = i.product_id
        WHERE i.line_total <> i.unit_price * i.quantity OR i.quantity < 1
           OR (i.product_name, i.sku, i.unit_price) <> (p.name, p.sku, p.price)
    """) == 0  # fmt: skip
    # Each order: its creation by its customer first, its current status last.
    assert _count(database, """
        SELECT count(*) FROM orders o
        WHERE NOT EXISTS (
            SELECT FROM order_status_history h
            WHERE h.order_id = o.id AND h.from_status IS NULL AND h.to_status = 'pending'
              AND h.changed_by = o.user_id AND h.changed_at = o.created_at)
           OR o.status <> (
            SELECT h.to_status FROM order_status_history h
            WHERE h.order_id = o.id ORDER BY h.changed_at DESC, h.id DESC LIMIT 1)
    """) == 0  # fmt: skip
    # Numbers from the sequence, dated like the order on the shop's clock (the default
    # BUSINESS_TIMEZONE, Asia/Shanghai); all within the last 180 days.
    assert _count(database, """
        SELECT count(*) FROM orders
        WHERE order_number !~ ('^ORD-' || to_char(created_at AT TIME ZONE 'Asia/Shanghai',
                                                  'YYYYMMDD') || '-[0-9]{6,}$')
           OR created_at < now() - interval '181 days' OR created_at > now()
    """) == 0  # fmt: skip
    # Those placed in Shanghai's small hours are dated a day later than in UTC.
    assert _count(database, """
        SELECT count(*) FROM orders
        WHERE (created_at AT TIME ZONE 'Asia/Shanghai')::date
           <> (created_at AT TIME ZONE 'UTC')::date
    """) > 0  # fmt: skip
    assert _count(database, "SELECT count(DISTINCT order_number) FROM orders") == orders
    assert _count(database, "SELECT last_value FROM order_number_seq") == orders
    # Staff move orders along: the admin that was there before the seed.
    assert fetch(database, """
        SELECT DISTINCT u.username FROM order_status_history h JOIN users u ON u.id = h.changed_by
        WHERE h.to_status IN ('paid', 'shipped', 'completed')
    """) == [("cli-admin",)]  # fmt: skip
    statuses = {row.status for row in fetch(database, "SELECT DISTINCT status FROM orders")}
    assert statuses == set(OrderStatus)
    assert _count(database, "SELECT count(*) FROM products WHERE status = 'active'") > 30

    # The ids came from the tables' sequences: what the app inserts next doesn't collide.
    assert _count(database, """
        INSERT INTO products (name, sku, price) VALUES ('After', 'AFTER-1', 1) RETURNING id
    """) == 61  # fmt: skip

    assert output.count(DEMO_PASSWORD) == 1
    username = scalar(database, "SELECT min(username) FROM users WHERE role = 'user'")
    assert password_matches(database, username, DEMO_PASSWORD)


def _shop(url: URL) -> dict[str, list[Any]]:
    """What the seed decides: the products, customers and orders, without ids or times."""
    return {
        "products": fetch(url, """
            SELECT name, split_part(sku, '-', 2) AS code, description, price, stock_quantity,
                   status
            FROM products ORDER BY id
        """),
        "users": fetch(url, "SELECT full_name, is_active FROM users ORDER BY id"),
        "orders": fetch(url, """
            SELECT o.status, o.total_amount, o.note, u.full_name,
                   (SELECT array_agg(i.product_name || ' x' || i.quantity ORDER BY i.id)
                    FROM order_items i WHERE i.order_id = o.id) AS lines,
                   (SELECT array_agg(h.to_status ORDER BY h.id)
                    FROM order_status_history h WHERE h.order_id = o.id) AS history
            FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.id
        """),
    }  # fmt: skip


def test_the_same_seed_gives_the_same_shop_in_another_database(database: URL) -> None:
    _seed(database, products=40, users=10, orders=300, seed=7)
    with another_database(database) as other:
        _seed(other, products=40, users=10, orders=300, seed=7)
        assert _shop(other) == _shop(database)
        assert fetch(other, "SELECT sku FROM products") == fetch(
            database, "SELECT sku FROM products"
        )


def test_another_seed_gives_another_shop(database: URL) -> None:
    _seed(database, products=40, users=10, orders=300, seed=7)
    with another_database(database) as other:
        _seed(other, products=40, users=10, orders=300, seed=8)
        assert _shop(other)["products"] != _shop(database)["products"]


def test_seeding_again_adds_a_second_set_beside_the_first(database: URL) -> None:
    first = _seed(database, products=20, users=5, orders=50, seed=3)
    second = _seed(database, products=20, users=5, orders=50, seed=3)

    assert "SKUs DEMO1-*" in first
    assert "SKUs DEMO2-*" in second
    assert _count(database, "SELECT count(*) FROM products") == 40
    assert _count(database, "SELECT count(*) FROM users") == 10
    assert _count(database, "SELECT count(*) FROM orders") == 100
    runs = fetch(database, """
        SELECT split_part(sku, '-', 1) AS run, array_agg(name ORDER BY id) AS names
        FROM products GROUP BY 1 ORDER BY 1
    """)  # fmt: skip
    assert [row.run for row in runs] == ["DEMO1", "DEMO2"]
    assert runs[0].names == runs[1].names
    usernames = [row[0] for row in fetch(database, "SELECT username FROM users ORDER BY id")]
    assert usernames[0].startswith("demo1.")
    assert usernames[5].startswith("demo2.")
    # COPY fires the triggers that keep the product counts behind the lists' totals.
    kept = fetch(database, "SELECT status, products FROM product_status_counts ORDER BY 1")
    counted = fetch(database, "SELECT status, count(*) FROM products GROUP BY 1 ORDER BY 1")
    assert [tuple(row) for row in kept] == [tuple(row) for row in counted]
    assert sum(row.products for row in kept) == 40


def test_orders_need_products_and_customers(database: URL) -> None:
    result = run(database, "seed-demo", "--products", "5", "--users", "0", "--orders", "10")
    assert_fails(result, "orders need at least one product and one user")
    assert _count(database, "SELECT count(*) FROM products") == 0


def test_seed_demo_refuses_production(database: URL) -> None:
    result = CliRunner().invoke(
        app,
        ["seed-demo", "--products", "1", "--users", "1", "--orders", "0"],
        env={
            "DATABASE_URL": database.render_as_string(hide_password=False),
            "ENVIRONMENT": "production",
            "SECRET_KEY": "a-production-secret-key-of-more-than-32-characters",
            "FIRST_SUPERUSER_PASSWORD": "a-long-production-password",
        },
    )

    assert_fails(result, "seed-demo refuses production")
    assert DEMO_PASSWORD not in result.output
    assert _count(database, "SELECT count(*) FROM users") == 0
