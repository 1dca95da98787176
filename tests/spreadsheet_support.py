"""Helpers of the products export and import tests, API and CLI: files sent and received."""

import csv
import io
from collections.abc import Sequence

import httpx
from openpyxl import Workbook

EXPORT_URL = "/api/products/export.csv"
IMPORT_URL = "/api/products/import"
HEADER = ["sku", "name", "description", "price", "stock_quantity", "status"]
CHINESE_HEADER = ["SKU", "名称", "描述", "价格", "库存", "状态"]

Rows = Sequence[Sequence[object]]


def csv_file(rows: Rows, *, header: Sequence[str] = HEADER, bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


def xlsx_file(rows: Rows, *, header: Sequence[str] = HEADER) -> bytes:
    """A workbook whose text cells are text, even those starting with `=`, as Excel keeps
    what was typed after a `'`; openpyxl would store them as formulas."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_rows(response: httpx.Response) -> list[list[str]]:
    """An export's rows, header first, as a spreadsheet reads them."""
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    content: bytes,
    *,
    filename: str = "products.csv",
    dry_run: bool = False,
) -> httpx.Response:
    return await client.post(
        IMPORT_URL,
        files={"file": (filename, content)},
        params={"dry_run": "true"} if dry_run else None,
        headers=headers,
    )


def actions(report: dict[str, object]) -> list[tuple[int, str]]:
    rows = report["rows"]
    assert isinstance(rows, list)
    return [(row["row"], row["action"]) for row in rows]
