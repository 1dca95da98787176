"""Schema fuzzing with schemathesis against the app's own OpenAPI schema, as a user and as
an admin: valid and invalid requests for every operation, and chains of calls that follow
the schema's links (create a product, order it, read, cancel or move the order along).
Every answer is checked: no 5xx, and status code, content type, headers and body all as
documented.

The app runs in process on a real PostgreSQL database of its own, where every request
commits: Hypothesis sends many requests per test, which the per-test savepoint of the other
tests can't hold. `make fuzz` runs the same with many more examples and scenarios.
"""

import asyncio
import math
from collections.abc import AsyncIterator
from typing import Any

import pytest
import schemathesis
from alembic import command
from fuzz_support import (
    FUZZ_SCENARIOS,
    FUZZ_SETTINGS,
    REPLAY,
    Caller,
    FuzzShop,
    callers_for,
    fuzz_concurrently,
    load_schema,
    seed_shop,
    served_for_real,
)
from helpers import scratch_database, settings_for
from hypothesis import settings
from schemathesis.python.asgi import shutdown_lifespans
from sqlalchemy import NullPool
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from app.core.migrations import alembic_config
from app.core.security import hash_password
from app.main import create_app
from app.users.models import UserRole

schema = load_schema(stateful=False)
linked_schema = load_schema(stateful=True)


@pytest.fixture(scope="module")
async def fuzz_shop(engine: AsyncEngine, database_url: URL) -> AsyncIterator[FuzzShop]:
    async with scratch_database(engine, database_url) as url:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        settings = settings_for(url)
        shop_engine = create_async_engine(url, poolclass=NullPool)
        async with AsyncSession(shop_engine) as session, session.begin():
            await seed_shop(session, settings)
        shop = FuzzShop(
            create_app(settings),
            shop_engine,
            callers_for(settings),
            await hash_password("fuzzing-password"),
        )
        await shop.restore_callers()
        yield shop
        # schemathesis started the app's lifespan on its own event loop; end it there.
        await asyncio.to_thread(shutdown_lifespans)
        await shop_engine.dispose()


@pytest.fixture
async def user_caller(fuzz_shop: FuzzShop) -> Caller:
    await fuzz_shop.restore_callers()
    return fuzz_shop.callers[UserRole.USER]


@pytest.fixture
async def admin_caller(fuzz_shop: FuzzShop) -> Caller:
    await fuzz_shop.restore_callers()
    return fuzz_shop.callers[UserRole.ADMIN]


@pytest.fixture
async def superadmin_caller(fuzz_shop: FuzzShop) -> Caller:
    await fuzz_shop.restore_callers()
    return fuzz_shop.callers[UserRole.SUPERADMIN]


@schema.parametrize()
@FUZZ_SETTINGS
def test_a_users_calls_get_documented_answers_and_no_server_error(
    case: schemathesis.Case[Any], fuzz_shop: FuzzShop, user_caller: Caller
) -> None:
    case.call_and_validate(app=fuzz_shop.app, headers=user_caller.headers)


@schema.parametrize()
@FUZZ_SETTINGS
def test_an_admins_calls_get_documented_answers_and_no_server_error(
    case: schemathesis.Case[Any], fuzz_shop: FuzzShop, admin_caller: Caller
) -> None:
    case.call_and_validate(app=fuzz_shop.app, headers=admin_caller.headers)


def test_a_superadmins_concurrent_calls_get_documented_answers_and_no_server_error(
    fuzz_shop: FuzzShop, superadmin_caller: Caller
) -> None:
    """Every operation fuzzed against a real server while other workers change and delete
    users, products and orders at the same time, as the superadmin, who may do all of it."""
    with served_for_real(create_app(fuzz_shop.app.state.settings)) as base_url:
        found = fuzz_concurrently(base_url, superadmin_caller.headers)

    assert found == []


# --- Linked calls ---


# Hypothesis replays the prefixes of earlier scenarios, and expects the same steps to be
# possible again; the shop's state has moved on meanwhile (a SKU is taken, an order is
# cancelled), so long runs report "inconsistent data generation". Short runs don't.
SCENARIOS_PER_RUN = 10


def run_scenarios(shop: FuzzShop, caller: Caller) -> None:
    class Scenarios(linked_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            return {"app": shop.app, "headers": caller.headers}

    for _ in range(math.ceil(FUZZ_SCENARIOS / SCENARIOS_PER_RUN)):
        Scenarios.run(
            settings=settings(
                FUZZ_SETTINGS,
                max_examples=SCENARIOS_PER_RUN,
                stateful_step_count=10,
                derandomize=REPLAY,
            )
        )


def test_the_schema_links_a_new_product_to_its_order_and_the_order_onwards() -> None:
    links = {
        (source, link["operationId"])
        for source, operation in [
            ("create_product", linked_schema.raw_schema["paths"]["/api/products"]["post"]),
            ("create_order", linked_schema.raw_schema["paths"]["/api/orders"]["post"]),
        ]
        for response in operation["responses"].values()
        for link in response.get("links", {}).values()
        if "operationId" in link
    }
    assert {
        ("create_product", "create_order"),
        ("create_order", "read_order"),
        ("create_order", "cancel_order"),
        ("create_order", "change_order_status"),
    } <= links


@pytest.mark.parametrize("role", ["admin_caller", "user_caller"])
def test_linked_calls_get_documented_answers_and_no_server_error(
    fuzz_shop: FuzzShop, role: str, request: pytest.FixtureRequest
) -> None:
    run_scenarios(fuzz_shop, request.getfixturevalue(role))
