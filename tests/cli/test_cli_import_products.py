"""`python -m app.cli import-products FILE [--dry-run]`: the import of the API, from a file."""

from pathlib import Path

import pytest
from cli_support import assert_fails, migrated, run, run_ok, scalar, table_row
from spreadsheet_support import csv_file, xlsx_file
from sqlalchemy.engine import URL

ROWS = [
    ["CLI-1", "茶杯", 'Porcelain, "thin"\nand light', "12.50", "30", "active"],
    ["CLI-2", "=SUM(A1)", "", "3", "0", "inactive"],
]


@pytest.fixture
def database(scratch_database_url: URL) -> URL:
    return migrated(scratch_database_url)


def products(url: URL) -> list[tuple[str, ...]]:
    """Each product's SKU, name and stock, by SKU."""
    return [
        tuple(row)
        for row in scalar(
            url,
            "SELECT coalesce(array_agg(ARRAY[sku, name, stock_quantity::text] ORDER BY sku), "
            "'{}') FROM products",
        )
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [("products.csv", csv_file(ROWS, bom=True)), ("products.xlsx", xlsx_file(ROWS))],
    ids=["csv", "xlsx"],
)
def test_an_import_creates_the_products_and_shows_each_row(
    database: URL, tmp_path: Path, name: str, content: bytes
) -> None:
    file = tmp_path / name
    file.write_bytes(content)

    output = run_ok(database, "import-products", str(file))

    assert products(database) == [("CLI-1", "茶杯", "30"), ("CLI-2", "=SUM(A1)", "0")]
    assert table_row(output, "2")[:2] == ["CLI-1", "create"]
    assert "Created 2, updated 0, left 0 unchanged." in output
    # The same file again changes nothing.
    assert "Created 0, updated 0, left 2 unchanged." in run_ok(
        database, "import-products", str(file)
    )


def test_a_dry_run_reports_and_writes_nothing(database: URL, tmp_path: Path) -> None:
    file = tmp_path / "products.csv"
    file.write_bytes(csv_file(ROWS))

    output = run_ok(database, "import-products", str(file), "--dry-run")

    assert "would create 2" in output
    assert products(database) == []


def test_rows_with_errors_exit_1_listing_them_and_write_nothing(
    database: URL, tmp_path: Path
) -> None:
    file = tmp_path / "products.csv"
    file.write_bytes(csv_file([*ROWS, ["CLI-3", "", "", "free", "1", "active"]]))

    result = run(database, "import-products", str(file))

    assert result.exit_code == 1, result.output
    assert table_row(result.output, "4") == [
        "CLI-3",
        "error",
        "name: Field required; price: An amount is digits with",
    ]
    assert "1 of 3 rows have errors: nothing was imported." in result.output
    assert products(database) == []


def test_an_unreadable_file_exits_1_saying_why(database: URL, tmp_path: Path) -> None:
    file = tmp_path / "products.csv"
    file.write_bytes("sku,名称\r\n".encode("gbk"))

    assert_fails(run(database, "import-products", str(file)), "The CSV file is not UTF-8 text")
    assert products(database) == []
