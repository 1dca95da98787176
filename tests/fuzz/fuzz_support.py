"""The shop the schema fuzzer runs against: a migrated database of its own, seeded with
accounts, products and orders, and the settings of the schemathesis runs.

The fuzzer's own accounts get ids far from the sequence's, so that the small ids Hypothesis
favours name the victims (other customers, their orders, products) and never the caller.
"""

import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import schemathesis
import uvicorn
from email_validator import EmailNotValidError, validate_email
from fastapi import FastAPI
from helpers import free_port, retrying
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status
from schemathesis.engine.events import EngineEvent, FatalError, NonFatalError, ScenarioFinished
from schemathesis.specs.openapi.schemas import OpenApiSchema
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app import main
from app.core.addresses import EXAMPLE_ADDRESS
from app.core.config import Settings
from app.core.password_rules import BCRYPT_MAX_BYTES
from app.core.security import create_access_token, hash_password
from app.orders import service as orders_service
from app.orders.schemas import OrderCreate, OrderLineInput
from app.products.models import Product, ProductStatus
from app.users.callers import Caller as SignedInCaller
from app.users.models import User, UserRole

# Examples per operation and generation mode: few in `make test`, many in `make fuzz`.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# `make test` replays the same examples every run; `make fuzz` explores from a seed of its
# own each run, which it prints (and passes to Hypothesis as `--hypothesis-seed` too).
REPLAY = "FUZZ_EXAMPLES" not in os.environ
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "0"))
# Each a process of its own (Python 3.11's parser is not safe in threads, and Hypothesis parses
# lambdas): the first fuzzes every operation, the others the changes and deletes of rows.
CONCURRENT_WORKERS = 2
# Stateful scenarios (chains of linked calls) per role; `make fuzz` raises it too.
FUZZ_SCENARIOS = int(os.environ.get("FUZZ_SCENARIOS", "10"))
FIRST_CALLER_ID = 1_000_001
SERVER_START_SECONDS = 60.0
VICTIM_CUSTOMERS = 3


@dataclass(frozen=True)
class Caller:
    role: UserRole
    user_id: int
    username: str
    headers: dict[str, str]


@dataclass
class FuzzShop:
    app: FastAPI
    engine: AsyncEngine
    callers: dict[UserRole, Caller]
    # Valid, so that a fuzzed sign-in as a caller is a plain 401.
    caller_password_hash: str

    async def restore_callers(self) -> None:
        """Undo what a fuzzed admin call may have done to another caller's account: demoted,
        deactivated or deleted it."""
        async with AsyncSession(self.engine) as session, session.begin():
            for caller in self.callers.values():
                account = {"role": caller.role, "is_active": True}
                await session.execute(
                    insert(User)
                    .values(
                        id=caller.user_id,
                        username=caller.username,
                        email=f"{caller.username.lower()}@example.com",
                        hashed_password=self.caller_password_hash,
                        **account,
                    )
                    .on_conflict_do_update(index_elements=[User.id], set_=account)
                )


# Rules JSON Schema can't state, so schema-valid input may still get a 422 here.
REFUSES_SOME_VALID_INPUT: dict[str, tuple[str, ...]] = {
    # Products that don't exist or can't be ordered, a reused Idempotency-Key, a huge total, a
    # phone with too few digits or a country ISO 3166 doesn't list.
    "create_order": ("422",),
    # A cursor the list didn't give out (every list); min_price above max_price.
    "list_products": ("422",),
    "list_orders": ("422",),
    "list_users": ("422",),
    # min_price above max_price, as for the list.
    "export_products": ("422",),
    # A file's content: its columns, encoding and rows are checked, not its schema (`string`).
    "import_products": ("422",),
    # `from` after `to` (today when left out), or more than 366 days between them.
    "read_daily_stats": ("422",),
    "read_top_products": ("422",),
    # A current password that isn't the caller's.
    "change_my_password": ("400",),
    # A reset token nobody was mailed.
    "confirm_password_reset": ("400",),
    # A carrier or tracking number with a status other than `shipped`.
    "change_order_status": ("422",),
    "change_order_statuses": ("422",),
    # A name or email taken; both also count towards limits per address or user (429). The
    # default address's phone and country are checked as an order's are.
    "register": ("409",),
    "update_me": ("409", "422"),
}


def schemathesis_config(*, stateful: bool) -> dict[str, Any]:
    """Every check schemathesis has, on valid and invalid requests alike."""
    return {
        "seed": FUZZ_SEED,
        "generation": {
            "mode": "all",
            "max-examples": FUZZ_EXAMPLES,
            "deterministic": REPLAY,
            # Refused by every text field (PostgreSQL can't store it): tests/users cover it.
            "allow-x00": False,
        },
        "phases": {"stateful": {"enabled": stateful}},
        "operations": [
            *(
                {
                    "include-operation-id": operation_id,
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": [
                                "2xx",
                                "401",
                                "403",
                                "404",
                                "409",
                                "429",
                                *statuses,
                            ]
                        }
                    },
                }
                for operation_id, statuses in REFUSES_SOME_VALID_INPUT.items()
            ),
            # Deleting a product that orders reference archives it, and admins still read it.
            {
                "include-path": "/api/products/{product_id}",
                "checks": {"use_after_free": {"enabled": False}},
            },
        ],
    }


# `format: password` is 8 characters to 72 bytes: JSON Schema can't count bytes.
PASSWORDS = st.text(min_size=8, max_size=72).filter(
    lambda password: len(password.encode()) <= BCRYPT_MAX_BYTES and "\x00" not in password
)


def _deliverable(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


# `format: email` as the server reads it: email-validator also refuses the special-use
# domains (.test, .local, .invalid), which no customer can receive mail at.
EMAILS = st.emails().filter(_deliverable)


def _caller(*, role: UserRole, user_id: int, username: str, settings: Settings) -> Caller:
    token = create_access_token(subject=user_id, settings=settings)
    return Caller(role, user_id, username, headers={"Authorization": f"Bearer {token}"})


async def seed_shop(session: AsyncSession, settings: Settings) -> None:
    """Customers with an order each, and products in every status."""
    customers = [
        User(
            username=f"victim{index}",
            email=f"victim{index}@example.com",
            hashed_password=await hash_password("victim-password"),
            default_shipping_address=EXAMPLE_ADDRESS,
        )
        for index in range(VICTIM_CUSTOMERS)
    ]
    session.add_all(customers)
    products = [
        Product(
            name=f"Seeded {status.value} {index}",
            sku=f"SEED-{status.value}-{index}",
            price=Decimal("9.99"),
            stock_quantity=1_000_000,
            status=status,
        )
        for status in ProductStatus
        for index in range(2)
    ]
    session.add_all(products)
    await session.flush()
    active = [product for product in products if product.status is ProductStatus.ACTIVE]
    for customer in customers:
        await orders_service.create_order(
            session,
            customer=SignedInCaller.of(customer),
            settings=settings,
            data=OrderCreate(
                items=[OrderLineInput(product_id=product.id, quantity=1) for product in active]
            ),
        )


def callers_for(settings: Settings) -> dict[UserRole, Caller]:
    """One caller per role, whose accounts `FuzzShop.restore_callers` writes."""
    return {
        role: _caller(
            role=role,
            user_id=FIRST_CALLER_ID + offset,
            # The superadmin is the protected first superuser, so fuzzing can't demote it.
            username=settings.FIRST_SUPERUSER if role is UserRole.SUPERADMIN else f"fuzz{role}",
            settings=settings,
        )
        for offset, role in enumerate(UserRole)
    }


# The callers are restored once per operation, not per example, which is what is meant.
FUZZ_SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


def load_schema(*, stateful: bool, **project: Any) -> OpenApiSchema:
    """The schema the production app serves; the tests send the calls to their shop's app,
    or to `base-url` in `project`, with its other settings (`workers`, `headers`)."""
    schemathesis.openapi.format("password", PASSWORDS)
    schemathesis.openapi.format("email", EMAILS)
    config = SchemathesisConfig.from_dict(schemathesis_config(stateful=stateful) | project)
    return schemathesis.openapi.from_dict(main.app.openapi(), config=config)


@contextmanager
def served_for_real(app: FastAPI) -> Iterator[str]:
    """`app` under a real uvicorn on a free loopback port, in a thread with its own event
    loop, so that concurrent clients really are served at once; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="fuzzed-api")
    thread.start()
    try:
        for attempt in retrying(SERVER_START_SECONDS, interval=0.05):
            with attempt:
                assert thread.is_alive(), "uvicorn stopped while starting"
                assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


def _failures(events: Iterable[EngineEvent]) -> list[str]:
    """What went wrong in an engine run: each failed check with its operation, and errors."""
    found: list[str] = []
    for event in events:
        if isinstance(event, ScenarioFinished) and event.status is not Status.SUCCESS:
            found.extend(
                f"{event.label}: {check.name}: {check.failure_info}"
                for checks in event.recorder.checks.values()
                for check in checks
                if check.failure_info is not None
            )
        elif isinstance(event, NonFatalError):
            found.append(f"{event.label}: {event.info}")
        elif isinstance(event, FatalError):
            found.append(f"engine: {event.exception!r}")
    return found


def _fuzz_worker(base_url: str, headers: dict[str, str], worker: int) -> list[str]:
    """One worker's run against the server, in a process of its own; returns its failures."""
    schema = load_schema(
        stateful=False,
        **{
            "base-url": base_url,
            "headers": headers,
            "seed": FUZZ_SEED + worker,
            # Nothing written into the working tree.
            "cache": {"enabled": False},
        },
    )
    fuzzed = schema.include(method=["PATCH", "DELETE"]) if worker else schema
    return _failures(schemathesis.engine.from_schema(fuzzed).execute())


def fuzz_concurrently(base_url: str, headers: dict[str, str]) -> list[str]:
    """CONCURRENT_WORKERS schemathesis runs at once against `base_url`; their failures."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=CONCURRENT_WORKERS, mp_context=spawn) as pool:
        runs = [
            pool.submit(_fuzz_worker, base_url, headers, worker)
            for worker in range(CONCURRENT_WORKERS)
        ]
        return [failure for run in runs for failure in run.result()]
