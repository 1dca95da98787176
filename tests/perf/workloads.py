"""The workloads of the benchmark, as request files for `lua/replay.lua`, and their runner."""

import json
import statistics
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .fixtures import SEARCH_TERMS, Fixtures, deep_offset
from .wrk import Load, WrkResult, finish_wrk, run_wrk, start_wrk


@dataclass(frozen=True)
class Line:
    """One request of a request file."""

    method: str
    path: str
    token: str = ""
    body: str = ""
    idempotent: bool = False

    def render(self) -> str:
        fields = (self.method, self.path, self.token, self.body, "1" if self.idempotent else "")
        if any("\t" in part or "\n" in part for part in fields):
            raise ValueError(f"a request line can't hold tabs or newlines: {fields}")
        return "\t".join(fields)


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    lines: list[Line]
    expected_status: int = 200
    target: str = ""
    # "api", "nginx" or "ceilings": which server wrk calls
    via: str = "api"
    connections: int | None = None  # None: the run's --connections
    # The key of the ceiling (CEILINGS) its throughput is divided by; empty for none.
    ceiling: str = ""


@dataclass(frozen=True)
class Ceiling:
    """What the server of perf/ceiling_apps.py does for one hot workload, measured on that
    workload's own requests: the same answer with no framework, ORM or validation."""

    key: str
    title: str
    workload: str
    # Fields a repeat of the request answers differently by design: a new order's own.
    fresh_fields: frozenset[str] = frozenset()


CEILINGS = (
    Ceiling("C1", "Ceiling of 1: bare ASGI app, the API's /api/health bytes", "1"),
    Ceiling("C2", "Ceiling of 2: bare ASGI + raw asyncpg: token, user, the page", "2"),
    Ceiling("C4", "Ceiling of 4: bare ASGI + raw asyncpg: token, user, the order", "4"),
    Ceiling(
        "C6a",
        "Ceiling of 6a: bare ASGI + raw asyncpg: token, user, the order in 4 round trips",
        "6a",
        fresh_fields=frozenset({"id", "order_number", "created_at", "updated_at"}),
    ),
)


@dataclass
class Measurement:
    """Every run of one workload, and their median with the spread."""

    key: str
    title: str
    target: str
    connections: int
    ceiling: str = ""
    runs: list[dict[str, float]] = field(default_factory=list)

    def add(self, result: WrkResult) -> None:
        self.runs.append(
            {
                "requests_per_second": result.requests_per_second,
                "p50_ms": result.latency_ms["p50"],
                "p99_ms": result.latency_ms["p99"],
                "requests": result.requests,
                "errors": result.errors,
                "status_errors": result.status_errors,
                "socket_errors": result.socket_errors,
            }
        )

    def stat(self, name: str) -> dict[str, float]:
        values = [run[name] for run in self.runs]
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    @property
    def errors(self) -> int:
        return int(sum(run["errors"] for run in self.runs))

    def as_dict(self) -> dict[str, Any]:
        summary = {name: self.stat(name) for name in ("requests_per_second", "p50_ms", "p99_ms")}
        requests = int(sum(run["requests"] for run in self.runs))
        return {**asdict(self), **summary, "errors": self.errors, "requests": requests}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# The target for the signed-in reads, workloads 2 and 4.
READ_TARGET = ">= 0.5 of own ceiling, p99 < 50 ms"


def define_workloads(fixtures: Fixtures) -> list[Workload]:
    tokens = [customer.token for customer in fixtures.customers]
    busy = fixtures.busy_customer.token
    offset = deep_offset(fixtures.busy_customer_orders)
    orders = [
        Line("POST", "/api/orders", token, body)
        for token, body in zip(
            (tokens * (len(fixtures.order_bodies) // len(tokens) + 1)),
            fixtures.order_bodies,
            strict=False,
        )
    ]
    return [
        Workload(
            "1",
            "GET /api/health",
            [Line("GET", "/api/health")],
            target=">= 0.25 of bare ASGI",
            ceiling="C1",
        ),
        Workload(
            "2",
            "GET /api/products?limit=20 (signed in)",
            [Line("GET", "/api/products?limit=20", token) for token in tokens],
            target=READ_TARGET,
            ceiling="C2",
        ),
        Workload(
            "2c",
            "GET /api/products?limit=20&cursor=... (5,000 products in)",
            [
                Line("GET", f"/api/products?limit=20&cursor={fixtures.deep_products_cursor}", token)
                for token in tokens
            ],
            # The first page's ceiling: a keyset page is the same index range, further in.
            ceiling="C2",
        ),
        Workload(
            "3",
            "GET /api/products?search=...&sort=-price&limit=20",
            [
                Line(
                    "GET",
                    f"/api/products?search={term.replace(' ', '%20')}&sort=-price&limit=20",
                    token,
                )
                for term, token in zip(SEARCH_TERMS, tokens, strict=False)
            ],
        ),
        Workload(
            "4",
            "GET /api/orders/{id} (owner, 1-5 lines)",
            [
                Line("GET", f"/api/orders/{order_id}", token)
                for token, order_id in fixtures.owned_orders
            ],
            target=READ_TARGET,
            ceiling="C4",
        ),
        Workload(
            "5a",
            f"GET /api/orders?limit=20 ({fixtures.busy_customer_orders:,} orders), first page",
            [Line("GET", "/api/orders?limit=20", busy)],
        ),
        Workload(
            "5b",
            f"GET /api/orders?limit=20&offset={offset} ({fixtures.busy_customer_orders:,} orders)",
            [Line("GET", f"/api/orders?limit=20&offset={offset}", busy)],
        ),
        Workload(
            "5c",
            "GET /api/orders?limit=20&cursor=... (the same deep page by keyset)",
            [Line("GET", f"/api/orders?limit=20&cursor={fixtures.deep_orders_cursor}", busy)],
        ),
        Workload(
            "6a",
            "POST /api/orders (1-3 lines)",
            orders,
            expected_status=201,
            target=">= 0.5 of own ceiling, 0 errors",
            ceiling="C6a",
        ),
        Workload(
            "6b",
            "POST /api/orders with Idempotency-Key",
            [
                Line(line.method, line.path, line.token, line.body, idempotent=True)
                for line in orders
            ],
            expected_status=201,
            # Divided by 6a's ceiling, which claims no key: the key's statements are 6b's own.
            target="0 errors",
            ceiling="C6a",
        ),
        Workload(
            "8",
            "Workload 2 through nginx",
            [Line("GET", "/api/products?limit=20", token) for token in tokens],
            via="nginx",
            target="< 15% below workload 2",
            ceiling="C2",
        ),
    ]


# bcrypt is bound to a core per hash: a storm of 8 keeps every core busy while queueing no more
# than a few sign-ins per worker, so each still answers within wrk's timeout.
LOGIN_STORM_CONNECTIONS = 8


def login_storm(fixtures: Fixtures, *, password: str) -> Workload:
    return Workload(
        "7",
        "POST /api/auth/login (bcrypt), storm",
        [
            Line(
                "POST",
                "/api/auth/login",
                body=json.dumps({"username": customer.username, "password": password}),
            )
            for customer in fixtures.customers
        ],
        connections=LOGIN_STORM_CONNECTIONS,
    )


# The /health probe that runs beside the login storm: few connections, so it measures latency.
HEALTH_PROBE = Workload(
    "7-health", "GET /api/health beside it", [Line("GET", "/api/health")], connections=2
)


# bcrypt answers take a good part of a second under load: shorter storms may see none.
LOGIN_STORM_MIN_SECONDS = 3.0


@dataclass(frozen=True)
class RunSettings:
    connections: int
    threads: int
    duration_s: float
    warmup_s: float
    repeats: int


class Runner:
    """Writes each workload's request file, checks one request, warms up, then measures."""

    def __init__(self, *, work: Path, settings: RunSettings, urls: dict[str, str]) -> None:
        self.work = work
        self.settings = settings
        self.urls = urls

    def load(self, workload: Workload, *, duration_s: float) -> Load:
        requests_file = self.work / f"requests-{workload.key}.tsv"
        requests_file.write_text("\n".join(line.render() for line in workload.lines) + "\n")
        return Load(
            url=self.urls[workload.via],
            requests_file=requests_file,
            connections=workload.connections or self.settings.connections,
            threads=self.settings.threads,
            duration_s=duration_s,
        )

    def check_once(self, workload: Workload) -> bytes:
        """The first request by hand: a wrong status here fails before any load is sent."""
        line = workload.lines[0]
        headers = {**(bearer(line.token) if line.token else {})}
        if line.body:
            headers["Content-Type"] = "application/json"
        if line.idempotent:
            headers["Idempotency-Key"] = f"check-{uuid.uuid4().hex}"
        response = httpx.request(
            line.method,
            self.urls[workload.via] + line.path,
            content=line.body or None,
            headers=headers,
            timeout=30,
        )
        if response.status_code != workload.expected_status:
            raise RuntimeError(
                f"workload {workload.key}: {line.method} {line.path} answered "
                f"{response.status_code}, expected {workload.expected_status}: "
                f"{response.text[:300]}"
            )
        return response.content

    def measure(self, workload: Workload) -> Measurement:
        self.check_once(workload)
        measurement = Measurement(
            workload.key,
            workload.title,
            workload.target,
            workload.connections or self.settings.connections,
            workload.ceiling,
        )
        if self.settings.warmup_s > 0:
            run_wrk(self.load(workload, duration_s=self.settings.warmup_s), run_tag=tag("warmup"))
        for _ in range(self.settings.repeats):
            measurement.add(
                run_wrk(
                    self.load(workload, duration_s=self.settings.duration_s), run_tag=tag("run")
                )
            )
        return measurement

    def measure_pair(
        self, main: Workload, probe: Workload
    ) -> tuple[Measurement, Measurement, Measurement]:
        """`probe` alone, then `main` with `probe` beside it: (probe idle, main, probe during)."""
        idle = self.measure(probe)
        idle.key, idle.title = f"{probe.key}-idle", f"{probe.title.removesuffix(' beside it')} idle"
        self.check_once(main)
        loaded = Measurement(
            main.key, main.title, main.target, main.connections or self.settings.connections
        )
        during = Measurement(probe.key, probe.title, probe.target, probe.connections or 0)
        if self.settings.warmup_s > 0:
            run_wrk(self.load(main, duration_s=self.settings.warmup_s), run_tag=tag("warmup"))
        duration_s = max(self.settings.duration_s, LOGIN_STORM_MIN_SECONDS)
        for _ in range(self.settings.repeats):
            main_load = self.load(main, duration_s=duration_s)
            process = start_wrk(main_load, run_tag=tag("storm"))
            try:
                during.add(run_wrk(self.load(probe, duration_s=duration_s), run_tag=tag("probe")))
            finally:
                loaded.add(finish_wrk(process, main_load))
        return idle, loaded, during


def tag(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:12]}"
