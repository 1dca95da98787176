from http import HTTPStatus

from pydantic import BaseModel

from app.core.errors import AppError


class DateRangeReversed(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "date_range_reversed"
    detail = "`from` is after `to`"
    remedy = "Send a `from` on or before `to`; left out, `to` is today in the business timezone."


class RangeLimit(BaseModel):
    max_days: int


class DateRangeTooLong(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "date_range_too_long"
    detail = "The date range is too long"
    remedy = "Ask for at most `max_days` days at a time."
    fields = RangeLimit

    def __init__(self, max_days: int) -> None:
        super().__init__(
            f"The date range may span at most {max_days} days",
            fields=RangeLimit(max_days=max_days),
        )
