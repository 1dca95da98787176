"""CSV for spreadsheets: UTF-8 with a byte order mark and CRLF line ends, so Excel opens Chinese
text as text, and text cells that a spreadsheet would run as a formula neutralised (CSV
injection, as OWASP describes it: a leading `'` makes the cell plain text)."""

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from datetime import date
from decimal import Decimal

BYTE_ORDER_MARK = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_ESCAPE = "'"
# Enough rows per chunk that the socket gets a few KiB at a time, not one row.
CHUNK_CHARACTERS = 16_384

Cell = str | int | Decimal | date | bool | None


def _starts_formula(text: str) -> bool:
    # Behind any escapes already there, so that text which itself starts with `'=` survives.
    return text.lstrip(FORMULA_ESCAPE).startswith(FORMULA_STARTS)


def neutralised(text: str) -> str:
    """`text` as a spreadsheet shows it and never runs it."""
    return FORMULA_ESCAPE + text if _starts_formula(text) else text


def restored(text: str) -> str:
    """What `neutralised` was given: an exported file imports back unchanged."""
    if text.startswith(FORMULA_ESCAPE) and _starts_formula(text):
        return text[1:]
    return text


def cell_text(value: Cell) -> str:
    """A cell as CSV text. Only text is neutralised: a number, even a negative one, is data."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralised(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    return str(value)


async def csv_chunks(
    header: Sequence[str], rows: AsyncIterable[Sequence[Cell]]
) -> AsyncIterator[bytes]:
    """The file, a chunk at a time, so memory stays flat however many rows come."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BYTE_ORDER_MARK)
    writer.writerow([neutralised(name) for name in header])
    async for row in rows:
        writer.writerow([cell_text(value) for value in row])
        if buffer.tell() >= CHUNK_CHARACTERS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
