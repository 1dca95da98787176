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
from sqlalchemy import ColumnElement, Integer, Select, bindparam, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ColumnProperty, InstrumentedAttribute

from app.core.errors import AppError
from app.core.raw_reads import RawRead
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
# The bind parameters of a page compiled once (`PageQuery`).
_LIMIT = "limit"
_OFFSET = "offset"
_AFTER_VALUE = "after_value"
_AFTER_ID = "after_id"
_TOTAL = "page_total"


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
        return self._after(*self.decode(cursor))

    def after_bound(self) -> ColumnElement[bool]:
        """`after` for a statement compiled once: the cursor's values are the bind parameters
        `after_value` and `after_id` (`decode` gives them)."""
        return self._after(
            bindparam(_AFTER_VALUE, type_=self.column.type),
            bindparam(_AFTER_ID, type_=self.tiebreaker.type),
        )

    def _after(self, value: Any, tiebreak: Any) -> ColumnElement[bool]:
        key = tuple_(self.column, self.tiebreaker)
        bound = tuple_(value, tiebreak)
        return key < bound if self.descending else key > bound

    def cursor_for(self, row: object) -> str:
        """Where the page after `row` starts: the sort, its column's value and the id."""
        return self.cursor_at(getattr(row, self.column.key), getattr(row, self.tiebreaker.key))

    def cursor_at(self, value: Any, tiebreak: int) -> str:
        """The cursor of the page after the row with this sort value and id."""
        plain = value.isoformat() if isinstance(value, datetime) else value
        plain = str(plain) if isinstance(plain, Decimal) else plain
        payload = json.dumps([self.name, plain, tiebreak])
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def decode(self, cursor: str) -> tuple[Any, int]:
        """The sort value and id a cursor of this sort carries, or InvalidCursor."""
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
    count = total_of if total_of is not None else _capped_count(statement)
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
    return _page_result(
        rows, total, page=page, counted=total_of is None, cursor_for=sort.cursor_for
    )


def _capped_count(statement: Select[Any]) -> Select[int]:
    """The statement's matches counted up to TOTAL_CAP and one more, which tells whether
    there are more than the cap."""
    matches = statement.order_by(None).limit(TOTAL_CAP + 1)
    return select(func.count()).select_from(matches.subquery())


def _page_result(
    rows: Sequence[RowT],
    total: int,
    *,
    page: PageParams,
    counted: bool,
    cursor_for: Callable[[RowT], str],
) -> PageResult[RowT]:
    """The page from its rows (one more than the page, if there is a next one) and total."""
    next_cursor = cursor_for(rows[page.limit - 1]) if len(rows) > page.limit else None
    # Only a count stops at the cap; a total given (`total_of`) is exact.
    capped = counted and total > TOTAL_CAP
    return PageResult(rows[: page.limit], TOTAL_CAP if capped else total, capped, next_cursor)


class PageQuery:
    """`paginate` for a hot list, on the driver (`RawRead`): the page with its total as one
    SELECT compiled once per shape of request, which the caller keeps (`functools.cache`):
    its filters, its sort, by offset or by cursor, and where the total comes from. The
    statement's own bind parameters are the caller's to give to `fetch`; paging adds `limit`,
    and `offset` or `after_value` and `after_id`. Rows come back as dicts by column name.
    """

    def __init__(
        self,
        statement: Select[Any],
        *,
        sort: SortOrder,
        by_cursor: bool,
        total_of: Select[int] | None = None,
    ) -> None:
        count = total_of if total_of is not None else _capped_count(statement)
        paged = (
            statement.where(sort.after_bound())
            if by_cursor
            else statement.offset(bindparam(_OFFSET, type_=Integer))
        )
        self.sort = sort
        self.by_cursor = by_cursor
        self._counted = total_of is None
        self._page = RawRead(
            paged.add_columns(count.scalar_subquery().label(_TOTAL))
            .order_by(*sort.clauses())
            .limit(bindparam(_LIMIT, type_=Integer))
        )
        # A page past the end has no row to carry the total.
        self._count = RawRead(count)

    async def fetch(
        self, session: AsyncSession, page: PageParams, **values: Any
    ) -> PageResult[dict[str, Any]]:
        if page.offset > MAX_OFFSET:
            raise OffsetTooLarge
        if (page.cursor is not None) is not self.by_cursor:
            raise ValueError(
                "this page query is for pages by " + ("cursor" if self.by_cursor else "offset")
            )
        # One row more than the page, to know whether a next page exists.
        position: dict[str, Any] = {_LIMIT: page.limit + 1}
        if page.cursor is None:
            position[_OFFSET] = page.offset
        else:
            position[_AFTER_VALUE], position[_AFTER_ID] = self.sort.decode(page.cursor)
        records = await self._page.fetch(session, **values, **position)
        rows = [dict(record) for record in records]
        if rows:
            total = rows[0][_TOTAL]
            for row in rows:
                del row[_TOTAL]
        else:
            counted = await self._count.fetch(
                session, **{name: values[name] for name in self._count.parameters}
            )
            total = counted[0][0]
        column, tiebreaker = self.sort.column.key, self.sort.tiebreaker.key
        return _page_result(
            rows,
            total or 0,
            page=page,
            counted=self._counted,
            cursor_for=lambda row: self.sort.cursor_at(row[column], row[tiebreaker]),
        )


def escape_like(term: str) -> str:
    """`term` as literal text inside a LIKE pattern, with `\\` as the escape."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_pattern(term: str) -> str:
    """An ILIKE pattern matching `term` literally anywhere, with `\\` as the escape."""
    return f"%{escape_like(term)}%"
