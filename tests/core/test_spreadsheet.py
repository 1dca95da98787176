"""The CSV every export writes: what Excel needs to open it right, and nothing it would run."""

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.core.spreadsheet import (
    CHUNK_CHARACTERS,
    Cell,
    cell_text,
    csv_chunks,
    neutralised,
    restored,
)


async def written(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[bytes]:
    async def source() -> AsyncIterator[Sequence[Cell]]:
        for row in rows:
            yield row

    return [chunk async for chunk in csv_chunks(header, source())]


def parsed(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def test_the_file_starts_with_a_byte_order_mark_and_ends_lines_with_crlf() -> None:
    data = b"".join(await written(["名称", "price"], [["茶叶", Decimal("12.50")]]))
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig") == "名称,price\r\n茶叶,12.50\r\n"


async def test_quotes_commas_and_newlines_in_a_field_survive_the_trip() -> None:
    awkward = 'He said "hi",\nthen left\r\nagain'
    data = b"".join(await written(["note"], [[awkward], [None]]))
    assert parsed(data) == [["note"], [awkward], [""]]


@pytest.mark.parametrize("text", ["=1+1", "+86 138", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_would_run_as_a_formula_is_neutralised_and_restored(
    text: str,
) -> None:
    assert cell_text(text) == "'" + text
    assert restored(neutralised(text)) == text


@pytest.mark.parametrize("text", ["plain", "'quoted already", "1=1", ""])
def test_other_text_is_left_as_it_is(text: str) -> None:
    assert neutralised(text) == text
    assert restored(text) == text


def test_an_escaped_formula_in_the_data_keeps_its_escape_through_the_trip() -> None:
    assert neutralised("'=1") == "''=1"
    assert restored(neutralised("'=1")) == "'=1"


def test_numbers_dates_and_flags_are_data_not_text() -> None:
    assert cell_text(Decimal("-1.50")) == "-1.50"
    assert cell_text(Decimal("1E+2")) == "100"
    assert cell_text(-3) == "-3"
    assert cell_text(date(2026, 12, 6)) == "2026-12-06"
    assert cell_text(datetime(2026, 12, 6, 8, 30, tzinfo=UTC)) == "2026-12-06T08:30:00+00:00"
    assert (cell_text(True), cell_text(False)) == ("true", "false")


async def test_rows_come_in_bounded_chunks_that_join_into_the_whole_file() -> None:
    rows: list[list[Cell]] = [[index, "x" * 100] for index in range(2_000)]
    chunks = await written(["id", "text"], rows)
    assert len(chunks) > 10
    assert max(len(chunk) for chunk in chunks) < CHUNK_CHARACTERS + 200
    assert parsed(b"".join(chunks))[1:] == [[str(index), "x" * 100] for index in range(2_000)]
