"""`order-system` (or `python -m app.cli`): maintenance commands on the database that the
settings name.

Settings come from the environment and `.env` as for the API and `app.prestart`
(DATABASE_URL, or the POSTGRES_* variables); the schema must be migrated already.
"""

import asyncio
import random
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import asyncpg
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from app.cli import cleanup, seed
from app.core.config import Settings, SettingsError, load_settings
from app.core.database import create_engine, create_sessionmaker
from app.core.errors import AppError
from app.email import service as outbox
from app.email.models import OutboxEmail
from app.products import spreadsheet
from app.products.exceptions import ImportRowsInvalid
from app.products.schemas import ImportAction, ImportReport
from app.stats import service as stats_service
from app.stats.schemas import Stats
from app.users import service as users_service
from app.users.exceptions import UserNotFound
from app.users.models import User, UserRole
from app.users.schemas import PasswordSet, UserCreate

T = TypeVar("T")

SAMPLE_SIZE = 5
UNDEFINED_TABLE = "42P01"

app = typer.Typer(
    help="Maintenance commands for order_system, on the database DATABASE_URL names.",
    no_args_is_help=True,
    add_completion=False,
)
# No markup or wrapping: names, messages and SKUs are printed exactly as they are.
console = Console(markup=False, highlight=False, soft_wrap=True)
error_console = Console(stderr=True, markup=False, highlight=False, soft_wrap=True)


def _fail(message: str) -> NoReturn:
    error_console.print(f"Error: {message}", style="bold red")
    raise typer.Exit(1)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        _fail(str(error))


def _on_database(work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run `work` against the configured database. What the database or a service refuses
    ends the command with its message and exit code 1, not a traceback."""
    settings = _settings()

    async def run() -> T:
        engine = create_engine(settings, time_limits=False)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    database = settings.database_url.render_as_string(hide_password=True)
    try:
        return asyncio.run(run())
    except AppError as error:
        _fail(error.message)
    except sa_exc.DBAPIError as error:
        unmigrated = getattr(error.orig, "sqlstate", None) == UNDEFINED_TABLE
        hint = " (migrate it first: python -m app.prestart)" if unmigrated else ""
        _fail(f"the database {database} refused: {error.orig}{hint}")
    # A refused or timed-out connection, or a server that is starting or overloaded.
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        _fail(f"can't use the database {database}: {type(error).__name__}: {error}")


def _validation_problems(error: ValidationError) -> str:
    # Never echo the input: it may be the password.
    return "; ".join(
        f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
        for issue in error.errors(include_input=False)
    )


def _orders(count: int, status: str = "") -> str:
    """`1 cancelled order`, `2 orders`."""
    return " ".join(filter(None, [str(count), status, "order" if count == 1 else "orders"]))


@contextmanager
def _progress(description: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar; the context gives the function that advances it."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(description, total=total)
        yield lambda done: progress.advance(task, done)


@app.command("create-user")
def create_user(
    username: Annotated[str, typer.Argument(help="3 to 50 letters, digits, '.', '_' or '-'")],
    email: Annotated[str, typer.Option(help="Unique whatever the case")],
    role: Annotated[UserRole, typer.Option(help="What the account may do")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="8 to 72 bytes; asked for, unechoed, when left out (safer than the command line)",
        ),
    ],
    full_name: Annotated[str | None, typer.Option(help="Shown instead of the username")] = None,
) -> None:
    """Create an account of any role, e.g. the first admin of an installation."""
    try:
        data = UserCreate(
            username=username, email=email, password=password, role=role, full_name=full_name
        )
    except ValidationError as error:
        _fail(_validation_problems(error))

    async def create(engine: AsyncEngine) -> User:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await users_service.register_user(session, data, role=data.role)

    user = _on_database(create)
    console.print(f"Created {user.role.value} {user.username} (id {user.id}, {user.email}).")


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    return password


@app.command("set-password")
def set_password(
    username: Annotated[str, typer.Argument(help="The account, whatever the case")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of stdin (for scripts), not asked for",
        ),
    ] = False,
) -> None:
    """Set a new password (asked for twice, never echoed) and end the account's sessions.

    Its refresh tokens are revoked and the access tokens issued before stop working, as when
    the user changes the password through the API."""
    try:
        data = PasswordSet(password=_new_password(password_stdin))
    except ValidationError as error:
        _fail(_validation_problems(error))

    async def reset(engine: AsyncEngine) -> User:
        async with create_sessionmaker(engine)() as session, session.begin():
            user = await users_service.find_by_username(session, username)
            if user is None:
                raise UserNotFound
            await users_service.set_password(session, user_id=user.id, new_password=data.password)
            return user

    user = _on_database(reset)
    console.print(f"Set the password of {user.username}; every session of theirs has ended.")


@app.command("seed-demo")
def seed_demo(
    products: Annotated[int, typer.Option(min=0, help="Products to create")] = 200,
    orders: Annotated[int, typer.Option(min=0, help="Orders to create, over ~180 days")] = 1000,
    users: Annotated[int, typer.Option(min=0, help="Customers (role user) to create")] = 50,
    seed_value: Annotated[
        int | None,
        typer.Option("--seed", help="The same seed gives the same data; random when left out"),
    ] = None,
) -> None:
    """Load realistic demo data: products, customers and orders with lines and history."""
    settings = _settings()
    if settings.is_production:
        # The demo customers share one published password.
        _fail("seed-demo refuses production: its users' password is printed for anyone")
    if orders and not (products and users):
        _fail("orders need at least one product and one user (--products, --users)")
    chosen_seed = random.SystemRandom().randrange(2**32) if seed_value is None else seed_value
    size = seed.DemoSize(products=products, users=users, orders=orders)
    started = time.perf_counter()
    with _progress(f"Seeding (--seed {chosen_seed})", products + users + orders) as advance:
        report = _on_database(
            lambda engine: seed.seed_demo(
                engine,
                size,
                seed=chosen_seed,
                business_timezone=settings.business_timezone,
                on_progress=advance,
            )
        )
    console.print(
        f"Created {report.products} products (SKUs {report.sku_prefix}*), "
        f"{report.users} users ({report.username_prefix}*) and {report.orders} orders "
        f"with {report.order_items} lines in {time.perf_counter() - started:.1f} s."
    )
    if report.users:
        console.print(f"The demo users' password is: {seed.DEMO_PASSWORD}")


@app.command("cleanup-orders")
def cleanup_orders(
    status: Annotated[
        cleanup.FinishedStatus,
        typer.Option(help="Which orders; only finished ones can be deleted", show_default=False),
    ],
    older_than_days: Annotated[
        int, typer.Option(min=1, help="Delete those created more than this many days ago")
    ] = 30,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would go, delete nothing")
    ] = False,
    batch_size: Annotated[int, typer.Option(min=1, help="Orders per transaction")] = 1000,
    yes: Annotated[bool, typer.Option("--yes", help="Delete without asking first")] = False,
) -> None:
    """Delete old cancelled or completed orders, with their lines and status history.

    Shows how many and the oldest few, then asks first unless --yes."""
    created_before = datetime.now(UTC) - timedelta(days=older_than_days)
    count, sample = _on_database(
        lambda engine: cleanup.find_orders(
            engine, status=status, created_before=created_before, sample_size=SAMPLE_SIZE
        )
    )
    console.print(
        f"{_orders(count, status.value)} created before {created_before:%Y-%m-%d %H:%M} UTC "
        f"(more than {older_than_days} days ago)."
    )
    if sample:
        table = Table("order_number", "status", "created_at", title=f"The oldest {len(sample)}")
        for order_number, order_status, created_at in sample:
            table.add_row(order_number, order_status.value, f"{created_at:%Y-%m-%d %H:%M %Z}")
        console.print(table)
    if dry_run:
        console.print("Dry run: nothing was deleted.")
        return
    if count == 0:
        return
    if not yes and not typer.confirm(f"Delete {_orders(count)}?"):
        console.print("Nothing was deleted.")
        raise typer.Exit(1)
    with _progress("Deleting", count) as advance:
        deleted = _on_database(
            lambda engine: cleanup.delete_orders(
                engine,
                status=status,
                created_before=created_before,
                batch_size=batch_size,
                on_batch=advance,
            )
        )
    console.print(f"Deleted {_orders(deleted)} with their lines and status history.")


@app.command("cleanup-tokens")
def cleanup_tokens(
    batch_size: Annotated[int, typer.Option(min=1, help="Tokens per transaction")] = 1000,
) -> None:
    """Delete expired and revoked refresh tokens (the API's sweeper does it too, periodically)."""
    deleted = _on_database(
        lambda engine: cleanup.delete_ended_tokens(engine, batch_size=batch_size)
    )
    noun = "token" if deleted == 1 else "tokens"
    console.print(f"Deleted {deleted} expired or revoked refresh {noun}.")


@app.command("stats")
def stats(
    low_stock: Annotated[
        int,
        typer.Option(
            min=0,
            max=stats_service.MAX_LOW_STOCK,
            help="Count active products with less stock than this",
        ),
    ] = stats_service.DEFAULT_LOW_STOCK,
) -> None:
    """The numbers of GET /api/stats: users, products, orders by status and revenue."""

    async def read(engine: AsyncEngine) -> Stats:
        async with create_sessionmaker(engine)() as session:
            return await stats_service.read_stats(session, low_stock=low_stock)

    result = _on_database(read)
    overview = Table("", "", show_header=False, title="order_system")
    overview.add_row("Users", str(result.users))
    overview.add_row("Products (not archived)", str(result.products))
    overview.add_row(f"Active products with stock < {low_stock}", str(result.low_stock_products))
    overview.add_row("Orders", str(result.orders))
    overview.add_row("Revenue (paid, shipped, completed)", f"{result.revenue:.2f}")
    console.print(overview)
    by_status = Table("Status", "Orders", "Total", title="Orders by status")
    for total in result.orders_by_status:
        by_status.add_row(total.status.value, str(total.count), f"{total.total_amount:.2f}")
    console.print(by_status)


@app.command("import-products")
def import_products(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="A CSV file (UTF-8) or an .xlsx workbook with the columns of the export",
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what each row would do, write nothing")
    ] = False,
) -> None:
    """Create or update products by SKU from a spreadsheet, as POST /api/products/import does:
    all or nothing, every row checked first. Exits 1 if any row has an error."""
    try:
        rows = spreadsheet.read_sheet(file.name, file.read_bytes())
    except AppError as error:
        _fail(error.message)

    def run(advance: Callable[[int], None]) -> Callable[[AsyncEngine], Awaitable[ImportReport]]:
        async def import_rows(engine: AsyncEngine) -> ImportReport:
            try:
                async with create_sessionmaker(engine)() as session, session.begin():
                    return await spreadsheet.import_products(
                        session, rows, dry_run=dry_run, on_progress=advance
                    )
            except ImportRowsInvalid as error:
                return error.report

        return import_rows

    # Each row is checked, then, in a real import, written.
    steps = len(rows) * (1 if dry_run else 2)
    with _progress("Checking" if dry_run else "Importing", steps) as advance:
        report = _on_database(run(advance))
    _print_import_report(report)
    if report.errors:
        raise typer.Exit(1)


def _print_import_report(report: ImportReport) -> None:
    """Every row but the unchanged ones, then the totals."""
    table = Table("row", "sku", "action", "changes or errors", title="Products")
    for row in report.rows:
        if row.action is ImportAction.UNCHANGED:
            continue
        notes = [f"{problem.field}: {problem.message}" for problem in row.errors] or row.changed
        table.add_row(str(row.row), row.sku or "", row.action.value, "; ".join(notes))
    if table.rows:
        console.print(table)
    created, updated, unchanged = report.created, report.updated, report.unchanged
    if report.errors:
        summary = f"{report.errors} of {len(report.rows)} rows have errors: nothing was imported."
    elif report.dry_run:
        summary = (
            f"Dry run: would create {created}, update {updated} and leave {unchanged} "
            "unchanged; nothing was written."
        )
    else:
        summary = f"Created {created}, updated {updated}, left {unchanged} unchanged."
    console.print(summary)


@app.command("outbox")
def outbox_command(
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Send failed mails again, from attempt one")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="Mails listed at most")] = 100,
) -> None:
    """List the mails not sent yet (pending or failed), oldest first; with --retry-failed,
    put the failed ones back in line first."""

    async def work(engine: AsyncEngine) -> tuple[int, list[OutboxEmail]]:
        async with create_sessionmaker(engine)() as session, session.begin():
            retried = await outbox.retry_failed(session) if retry_failed else 0
            return retried, await outbox.list_unsent(session, limit=limit)

    retried, unsent = _on_database(work)
    if retry_failed:
        console.print(f"{retried} failed {'mail' if retried == 1 else 'mails'} back in line.")
    table = Table("Id", "To", "Subject", "Status", "Attempts", "Next attempt", "Last error")
    for email in unsent:
        table.add_row(
            str(email.id),
            email.recipient,
            email.subject,
            email.status.value,
            str(email.attempts),
            email.next_attempt_at.isoformat(timespec="seconds"),
            email.last_error or "",
        )
    console.print(table if unsent else "No mail waiting: everything was sent.")
