"""One way to page, sort and count every list: by offset, or by keyset with a cursor."""

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from typing import Annotated, Any, Generic, Self, TypeVar, get_args

from pydantic import BaseModel, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ColumnProperty, InstrumentedAttribute

from app.core.errors import AppError
from app.core.schemas import MAX_AMOUNT, MAX_ROW_ID, RequestModel

ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")
MappedT = TypeVar("MappedT")

MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 512
# PostgreSQL reads and discards every row an OFFSET skips: deeper pages take cursors.
MAX_OFFSET = 10_000
# Counting stops here: an exact total reads every match, 53,000 rows for a broad search of a
# million products, while "10,000+" says all a person paging needs (and offsets end there).
TOTAL_CAP = 10_000


class InvalidCursor(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "invalid_cursor"
    detail = "The cursor is not one this list gave out for this sort; start again without it"
    remedy = "Start again from the first page, without `cursor`, and keep the same `sort`."


class OffsetLimit(BaseModel):
    max_offset: int


class OffsetTooLarge(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "offset_too_large"
    detail = (
        f"offset may be at most {MAX_OFFSET:,}; to go deeper, pass each page's `next_cursor` "
        "as `cursor`"
    )

    remedy = "Page on with each page's `next_cursor` instead of `offset`."
    fields = OffsetLimit

    def __init__(self) -> None:
        super().__init__(fields=OffsetLimit(max_offset=MAX_OFFSET))


# What paging itself can refuse, on every list route.
PAGE_ERRORS = (InvalidCursor, OffsetTooLarge)


class PageParams(RequestModel):
    limit: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE, description="Page size")
    # Up to an `integer` id's range it is a 422 `offset_too_large` of `paginate`, which points
    # to the cursor; the schema states the real maximum.
    offset: int = Field(
        default=0,
        ge=0,
        le=MAX_ROW_ID,
        description=f"Items to skip, at most {MAX_OFFSET:,}: deeper pages take `cursor`",
        json_schema_extra={"maximum": MAX_OFFSET},
    )
    cursor: Annotated[str, StringConstraints(max_length=MAX_CURSOR_LENGTH)] | None = Field(
        default=None,
        description="The `next_cursor` of the previous page, for keyset pagination: as fast "
        "deep in the list as on its first page, and stable while rows are added. Keep the "
        "same filters and `sort`; `offset` must then be 0.",
    )

    @model_validator(mode="after")
    def _cursor_or_offset(self) -> Self:
        if self.cursor is not None and self.offset:
            raise PydanticCustomError("cursor_with_offset", "Give either cursor or offset")
        return self


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    total: int = Field(
        description=f"Every match, on whichever page, counted up to {TOTAL_CAP:,} (see "
        "`total_capped`)"
    )
    total_capped: bool = Field(
        description=f"There are more than `total` matches: counting stops at {TOTAL_CAP:,}. "
        "`next_cursor` still walks them all."
    )
    limit: int
    offset: int
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the page after this one; null on the last page"
    )

    @classmethod
    def of(cls, result: "PageResult[Any]", page: PageParams) -> "Page[ItemT]":
        """A page of response models built from ORM rows, e.g. `Page[UserPublic].of(...)`."""
        return cls.model_validate(
            {
                "items": result.rows,
                "total": result.total,
                "total_capped": result.total_capped,
                "limit": page.limit,
                "offset": page.offset,
                "next_cursor": result.next_cursor,
            },
            from_attributes=True,
        )


@dataclass(frozen=True)
class PageResult(Generic[RowT]):
    rows: Sequence[RowT]
    total: int
    total_capped: bool
    next_cursor: str | None

    def map(self, convert: Callable[[RowT], MappedT]) -> "PageResult[MappedT]":
        """The same page with each row converted, e.g. into a response model."""
        return PageResult(
            [convert(row) for row in self.rows], self.total, self.total_capped, self.next_cursor
        )


@dataclass(frozen=True)
class SortOrder:
    """One column, ascending or descending, with the tiebreaker (the id) going the same way."""

    name: str  # as the client wrote it: `price`, `-price`
    column: InstrumentedAttribute[Any]
    tiebreaker: InstrumentedAttribute[Any]

    @property
    def descending(self) -> bool:
        return self.name.startswith("-")

    def clauses(self) -> list[ColumnElement[Any]]:
        if self.descending:
            return [self.column.desc(), self.tiebreaker.desc()]
        return [self.column.asc(), self.tiebreaker.asc()]

    def after(self, cursor: str) -> ColumnElement[bool]:
        """Rows after the cursor's: one row comparison, which a (column, id) index serves."""
        value, tiebreak = self._decode(cursor)
        key = tuple_(self.column, self.tiebreaker)
        bound = tuple_(value, tiebreak)
        return key < bound if self.descending else key > bound

    def cursor_for(self, row: object) -> str:
        """Where the page after `row` starts: the sort, its column's value and the id."""
        value = getattr(row, self.column.key)
        plain = value.isoformat() if isinstance(value, datetime) else value
        plain = str(plain) if isinstance(plain, Decimal) else plain
        payload = json.dumps([self.name, plain, getattr(row, self.tiebreaker.key)])
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def _decode(self, cursor: str) -> tuple[Any, int]:
        try:
            payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            sort, value, tiebreak = payload
            if sort != self.name or not _is_row_id(tiebreak):
                raise InvalidCursor
            return self._typed(value), tiebreak
        except (ValueError, TypeError, OverflowError, binascii.Error, InvalidOperation):
            raise InvalidCursor from None

    def _typed(self, value: Any) -> Any:
        """The cursor's value as the column holds it, or InvalidCursor: a forged cursor must
        not carry a value the driver can't encode (that would look like a lost database)."""
        python_type = self.column.type.python_type
        if python_type is datetime and isinstance(value, str):
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise InvalidCursor
            # OverflowError, caught above, where UTC falls outside years 1 to 9999.
            return parsed.astimezone(UTC)
        if python_type is Decimal and isinstance(value, str):
            amount = Decimal(value)
            if not amount.is_finite() or abs(amount) > MAX_AMOUNT:
                raise InvalidCursor
            return amount
        if python_type is int and type(value) is int and -MAX_ROW_ID <= value <= MAX_ROW_ID:
            return value
        if python_type is str and type(value) is str and "\x00" not in value:
            return value
        raise InvalidCursor


def _is_row_id(value: object) -> bool:
    return type(value) is int and 1 <= value <= MAX_ROW_ID


def sort_columns(sorts: object, model: type[Any]) -> dict[str, InstrumentedAttribute[Any]]:
    """The column behind each name of a list's sort Literal (`"price"` and `"-price"` both
    sort `model.price`). The Literal in the list's schema is the one allow-list: it validates
    the request and, through this, chooses the column; a name that is no column of `model`
    fails here, at import."""
    columns: dict[str, InstrumentedAttribute[Any]] = {}
    for name in {sort.removeprefix("-") for sort in get_args(sorts)}:
        column = getattr(model, name, None)
        if not (
            isinstance(column, InstrumentedAttribute)
            and isinstance(column.property, ColumnProperty)
        ):
            raise TypeError(f"sort {name!r} is not a column of {model.__name__}")
        columns[name] = column
    return columns


def order_by(
    sort: str,
    columns: Mapping[str, InstrumentedAttribute[Any]],
    tiebreaker: InstrumentedAttribute[Any],
) -> SortOrder:
    """`name` sorts ascending, `-name` descending; ties always break on the tiebreaker."""
    return SortOrder(sort, columns[sort.removeprefix("-")], tiebreaker)


async def paginate(
    session: AsyncSession,
    statement: Select[RowT],
    *,
    page: PageParams,
    sort: SortOrder,
    total_of: Select[int] | None = None,
) -> PageResult[RowT]:
    """One page and its total in one statement, whatever the page.

    The total comes from `total_of` when the caller has a cheaper way to the same number,
    else from counting matches up to TOTAL_CAP and one more, which tells whether there are
    more than the cap; it rides along with the page as an uncorrelated subquery,
    which PostgreSQL evaluates once. An offset page skips `offset` rows; a cursor page starts
    right after the previous page's last row, as fast deep in the list as at its start. One
    extra row is fetched, to know whether a next page exists.
    """
    if page.offset > MAX_OFFSET:
        raise OffsetTooLarge
    count = total_of
    if count is None:
        matches = statement.order_by(None).limit(TOTAL_CAP + 1)
        count = select(func.count()).select_from(matches.subquery())
    if page.cursor is None:
        statement = statement.offset(page.offset)
    else:
        statement = statement.where(sort.after(page.cursor))
    result = await session.execute(
        statement.add_columns(count.scalar_subquery())
        .order_by(*sort.clauses())
        .limit(page.limit + 1)
    )
    rows_with_total = result.all()
    rows: list[RowT] = [row[0] for row in rows_with_total]
    # A page past the end has no row to carry the total.
    total = (rows_with_total[0][1] if rows else await session.scalar(count)) or 0
    next_cursor = sort.cursor_for(rows[page.limit - 1]) if len(rows) > page.limit else None
    # Only a count stops at the cap; `total_of` is exact.
    capped = total_of is None and total > TOTAL_CAP
    return PageResult(rows[: page.limit], TOTAL_CAP if capped else total, capped, next_cursor)


def escape_like(term: str) -> str:
    """`term` as literal text inside a LIKE pattern, with `\\` as the escape."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_pattern(term: str) -> str:
    """An ILIKE pattern matching `term` literally anywhere, with `\\` as the escape."""
    return f"%{escape_like(term)}%"
