"""One way to page, sort and count every list."""

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.core.schemas import MAX_ROW_ID, RequestModel

ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")

MAX_PAGE_SIZE = 100


class PageParams(RequestModel):
    limit: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE, description="Page size")
    # No table holds more rows than an `integer` id can count; PostgreSQL's OFFSET is a bigint.
    offset: int = Field(default=0, ge=0, le=MAX_ROW_ID, description="Items to skip")


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, rows: Sequence[object], total: int, page: PageParams) -> "Page[ItemT]":
        """A page of response models built from ORM rows, e.g. `Page[UserPublic].of(...)`."""
        return cls.model_validate(
            {"items": rows, "total": total, "limit": page.limit, "offset": page.offset},
            from_attributes=True,
        )


def order_by(
    sort: str,
    columns: Mapping[str, InstrumentedAttribute[Any]],
    tiebreaker: InstrumentedAttribute[Any],
) -> list[ColumnElement[Any]]:
    """`name` sorts ascending, `-name` descending; ties always break on the tiebreaker."""
    descending = sort.startswith("-")
    column = columns[sort.removeprefix("-")]
    if descending:
        return [column.desc(), tiebreaker.desc()]
    return [column.asc(), tiebreaker.asc()]


async def paginate(
    session: AsyncSession,
    statement: Select[RowT],
    *,
    page: PageParams,
    ordering: Sequence[ColumnElement[Any]],
) -> tuple[Sequence[RowT], int]:
    """Return one page and the total: two statements whatever the page size."""
    count = select(func.count()).select_from(statement.order_by(None).subquery())
    total = await session.scalar(count) or 0
    rows = await session.scalars(
        statement.order_by(*ordering).limit(page.limit).offset(page.offset)
    )
    return rows.all(), total


def contains_pattern(term: str) -> str:
    """An ILIKE pattern matching `term` literally anywhere, with `\\` as the escape."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
