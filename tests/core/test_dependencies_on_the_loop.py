"""Every request dependency runs on the event loop: FastAPI runs a plain `def` dependency in
the threadpool, a thread hop per dependency per request, which showed in the profiles."""

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIRouter

from app.auth.router import router as auth_router
from app.core.health import router as health_router
from app.orders.router import router as orders_router
from app.products.router import router as products_router
from app.stats.router import router as stats_router
from app.users.router import router as users_router

# Every router app.main includes.
ROUTERS: list[APIRouter] = [
    health_router, auth_router, users_router, orders_router, stats_router, products_router,
]  # fmt: skip

# Sign-in is bound by bcrypt by design; a thread hop to build its helper is noise there.
THREADPOOL_ALLOWED = {"SignIn"}


def _runs_on_the_loop(call: Any) -> bool:
    if inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call):
        return True
    # An instance with an `async def __call__`, like the OAuth2 bearer scheme; not a class,
    # which FastAPI instantiates in the threadpool.
    return not inspect.isclass(call) and inspect.iscoroutinefunction(
        getattr(call, "__call__", None)  # noqa: B004
    )


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _dependencies(dependency)


def test_no_route_has_a_dependency_that_runs_in_the_threadpool() -> None:
    routes = [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]
    in_threads = {
        f"{route.path}: {getattr(dependency.call, '__qualname__', dependency.call)}"
        for route in routes
        for dependency in _dependencies(route.dependant)
        if not _runs_on_the_loop(dependency.call)
        and getattr(dependency.call, "__name__", None) not in THREADPOOL_ALLOWED
    }

    assert len(routes) > 20
    assert in_threads == set()
