"""`python -m app.cli cleanup-orders`: old finished orders go, with all that hangs off them."""

import pytest
from cli_support import fetch, migrated, run, run_ok, scalar
from sqlalchemy.engine import URL


@pytest.fixture
def database(scratch_database_url: URL) -> URL:
    return migrated(scratch_database_url)


def _order(url: URL, status: str, days_ago: int) -> int:
    """An order `days_ago` days old in `status`, with a line, its history and an
    idempotency key."""
    when = "now() - make_interval(days => :days)"
    customer = scalar(url, "SELECT min(id) FROM users")
    order_id: int = scalar(
        url,
        "INSERT INTO orders (user_id, status, total_amount, created_at, updated_at) "
        f"VALUES (:customer, :status, 20.00, {when}, {when}) RETURNING id",
        customer=customer, status=status, days=days_ago,
    )  # fmt: skip
    fetch(
        url,
        "INSERT INTO order_items "
        "(order_id, product_id, product_name, sku, unit_price, quantity, line_total) "
        "SELECT :order_id, id, name, sku, price, 2, price * 2 FROM products",
        order_id=order_id,
    )
    fetch(
        url,
        "INSERT INTO order_status_history (order_id, from_status, to_status, changed_at) "
        f"VALUES (:order_id, NULL, 'pending', {when}), (:order_id, 'pending', :status, {when})",
        order_id=order_id, status=status, days=days_ago,
    )  # fmt: skip
    fetch(
        url,
        "INSERT INTO idempotency_keys (id, user_id, key, request_hash, order_id) "
        "VALUES (gen_random_uuid(), :customer, :key, 'hash', :order_id)",
        customer=customer, key=f"key-{order_id}", order_id=order_id,
    )  # fmt: skip
    return order_id


@pytest.fixture
def orders(database: URL) -> dict[str, list[int]]:
    """Which orders a clean-up of cancelled orders older than 30 days must take, and which not."""
    run_ok(database, "seed-demo", "--products", "1", "--users", "1", "--orders", "0")
    # A demo product and customer, with no orders yet.
    assert scalar(database, "SELECT count(*) FROM orders") == 0
    return {
        "old_cancelled": [_order(database, "cancelled", days) for days in (45, 31, 90)],
        "recent_cancelled": [_order(database, "cancelled", 29)],
        "old_completed": [_order(database, "completed", days) for days in (40, 200)],
        "old_pending": [_order(database, "pending", 60)],
    }


# Where each order shows up, and the column that names it there.
ORDER_TABLES = {
    "orders": "id",
    "order_items": "order_id",
    "order_status_history": "order_id",
    "idempotency_keys": "order_id",
}


def _order_ids_in_each_table(url: URL) -> dict[str, set[int]]:
    return {
        table: {row[0] for row in fetch(url, f"SELECT DISTINCT {column} FROM {table}")}
        for table, column in ORDER_TABLES.items()
    }


def _order_ids(url: URL) -> set[int]:
    return {row[0] for row in fetch(url, "SELECT id FROM orders")}


def test_a_dry_run_counts_and_shows_the_oldest_but_deletes_nothing(
    database: URL, orders: dict[str, list[int]]
) -> None:
    before = _order_ids_in_each_table(database)
    output = run_ok(
        database, "cleanup-orders", "--status", "cancelled", "--older-than-days", "30", "--dry-run"
    )
    assert "3 cancelled orders created before" in output
    assert "(more than 30 days ago)" in output
    numbers = fetch(
        database,
        "SELECT order_number FROM orders WHERE id = ANY(:ids) ORDER BY created_at",
        ids=orders["old_cancelled"],
    )
    positions = [output.index(number) for (number,) in numbers]
    assert positions == sorted(positions), "the oldest first"
    assert "Dry run: nothing was deleted." in output
    assert _order_ids_in_each_table(database) == before


def test_cleanup_deletes_exactly_the_old_cancelled_orders_and_what_hangs_off_them(
    database: URL, orders: dict[str, list[int]]
) -> None:
    output = run_ok(
        database,
        "cleanup-orders", "--status", "cancelled", "--older-than-days", "30", "--batch-size", "2",
        "--yes",
    )  # fmt: skip
    assert "Deleted 3 orders" in output
    kept = {
        order_id for group, ids in orders.items() if group != "old_cancelled" for order_id in ids
    }
    assert _order_ids_in_each_table(database) == dict.fromkeys(ORDER_TABLES, kept)


def test_completed_orders_are_cleaned_up_only_when_asked_for(
    database: URL, orders: dict[str, list[int]]
) -> None:
    output = run_ok(
        database, "cleanup-orders", "--status", "completed", "--older-than-days", "100", "--yes"
    )
    assert "1 completed order created before" in output
    assert "Deleted 1 order " in output
    assert _order_ids(database) == {order_id for ids in orders.values() for order_id in ids} - {
        orders["old_completed"][1]
    }


def test_without_yes_it_asks_first_and_no_deletes_nothing(
    database: URL, orders: dict[str, list[int]]
) -> None:
    before = _order_ids_in_each_table(database)
    arguments = ("cleanup-orders", "--status", "cancelled", "--older-than-days", "30")

    declined = run(database, *arguments, input="n\n")
    assert declined.exit_code == 1, declined.output
    assert "3 cancelled orders created before" in declined.output
    assert "Delete 3 orders? [y/N]: n" in declined.output
    assert "Nothing was deleted." in declined.output
    assert _order_ids_in_each_table(database) == before

    accepted = run_ok(database, *arguments, input="y\n")
    assert "Deleted 3 orders" in accepted
    assert _order_ids(database) == before["orders"] - set(orders["old_cancelled"])


def test_nothing_to_clean_up_is_said_plainly(database: URL, orders: dict[str, list[int]]) -> None:
    output = run_ok(database, "cleanup-orders", "--status", "cancelled", "--older-than-days", "365")
    assert output.startswith("0 cancelled orders created before")
    assert "Deleted" not in output
    assert len(_order_ids(database)) == 7


@pytest.mark.parametrize(
    "arguments",
    [
        (),  # the status must be given
        ("--status", "pending"),  # live orders hold stock and money: never
        ("--status", "shipped"),
        ("--status", "cancelled", "--older-than-days", "0"),
        ("--status", "cancelled", "--batch-size", "0"),
    ],
)
def test_cleanup_refuses_what_is_not_a_safe_cleanup(
    database: URL, orders: dict[str, list[int]], arguments: tuple[str, ...]
) -> None:
    result = run(database, "cleanup-orders", *arguments)
    assert result.exit_code == 2, result.output
    assert len(_order_ids(database)) == 7
