"""The errors each route can answer, in its OpenAPI responses: typed bodies per status.

Routes name what their own code raises (`responses=errors(OrderNotFound, ...)`), dependencies
what they raise (`@raises(AdminRequired)`); `ApiRoute` adds what any route can answer, from
the route's shape, so that no route has to repeat it.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from functools import reduce
from http import HTTPStatus
from operator import or_
from typing import Any, TypeVar, get_args

from fastapi.dependencies.models import Dependant

from app.core.errors import (
    ApiTimeout,
    ApiUnavailable,
    AppError,
    BodyNotReadable,
    ConcurrentUpdate,
    ConstraintViolation,
    DatabaseBusy,
    DatabaseUnavailable,
    InternalError,
    RequestInvalid,
    RequestTooLarge,
    UnstorableValue,
)

Responses = dict[int | str, dict[str, Any]]
CallT = TypeVar("CallT", bound=Callable[..., Any])

# Any route: the proxy, the database and bugs.
EVERY_ROUTE_ERRORS = (
    InternalError,
    ApiUnavailable,
    ApiTimeout,
    DatabaseUnavailable,
    DatabaseBusy,
    ConcurrentUpdate,
    ConstraintViolation,
)
# A route with parameters or a body: validation, and values beyond what the database stores.
INPUT_ERRORS = (RequestInvalid, UnstorableValue)
# A route with a body, before its code runs.
BODY_ERRORS = (BodyNotReadable, RequestTooLarge)

_RAISES = "__raises__"


def raises(*raised: type[AppError]) -> Callable[[CallT], CallT]:
    """Declares the errors a dependency raises, for every route that depends on it."""

    def declare(call: CallT) -> CallT:
        setattr(call, _RAISES, raised)
        return call

    return declare


def errors(*raised: type[AppError]) -> Responses:
    """OpenAPI responses for these errors: per status, each body a variant, named by code."""
    by_status: defaultdict[int, list[type[AppError]]] = defaultdict(list)
    for error in dict.fromkeys(raised):
        by_status[int(error.status_code)].append(error)
    return {
        status: {
            "model": reduce(or_, [error.body for error in declared]),
            "description": f"{HTTPStatus(status).phrase}: "
            + ", ".join(f"`{error.code}`" for error in declared),
        }
        for status, declared in sorted(by_status.items())
    }


def _declared_errors(response: dict[str, Any]) -> list[type[AppError]]:
    model = response.get("model")
    bodies = get_args(model) or (model,)
    return [error for error in AppError.declared if error.body in bodies]


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependants(dependency)


def route_errors(dependant: Dependant, declared: Sequence[type[AppError]]) -> list[type[AppError]]:
    """Every error a route can answer: its own, its dependencies' and the ones its shape
    brings."""
    every = [*declared, *EVERY_ROUTE_ERRORS]
    for part in _dependants(dependant):
        every.extend(getattr(part.call, _RAISES, ()))
        if part.path_params or part.query_params or part.header_params or part.body_params:
            every.extend(INPUT_ERRORS)
        if part.body_params:
            every.extend(BODY_ERRORS)
    return every


def with_route_errors(responses: Responses, dependant: Dependant) -> Responses:
    """`responses` with its error entries replaced by those of every error the route can
    answer."""
    declared = [error for response in responses.values() for error in _declared_errors(response)]
    others = {
        status: response for status, response in responses.items() if not _declared_errors(response)
    }
    return others | errors(*route_errors(dependant, declared))
