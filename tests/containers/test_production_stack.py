"""docker-compose.production.yml for real, set up by a non-root operator in the `docker` group
exactly as docs/deployment.md's block says (generated secrets, a self-signed certificate):
HTTPS with HSTS and a redirect from HTTP, the SPA signed in over HTTPS across a reload, one sign-in
budget in Redis for two API replicas, the backup service's dump in the operator's hands and
`restore.sh latest` bringing every row back; then scale-out behind nginx, redeploys under a
steady stream of requests, and the `monitoring` profile: every exporter reaching what it
watches, and an alert delivered to the local sink."""

import json
import os
import pty
import re
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from container_fixtures import ProductionPorts, Stack, http_client
from e2e_support import sign_in
from engine_support import Engine, as_user
from helpers import retrying
from nginx_support import wait_until
from playwright.async_api import Browser, expect
from production_support import DB, backend_containers, client, steady_requests

HSTS = "max-age=63072000; includeSubDomains"


def env_value(stack: Stack, name: str) -> str:
    for line in (stack.directory / ".env").read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"{name} is not in .env")


def admin_headers(stack: Stack, ports: ProductionPorts) -> dict[str, str]:
    with client(ports) as session:
        response = session.post(
            "/api/auth/login",
            json={
                "username": "superAdmin",
                "password": env_value(stack, "FIRST_SUPERUSER_PASSWORD"),
            },
        )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def sql(engine: Engine, query: str) -> str:
    return engine.docker(
        "exec", DB, "psql", "-U", "postgres", "-d", "order_system", "-At", "-c", query
    ).stdout.strip()


def fingerprint(engine: Engine) -> dict[str, str]:
    """Every table's rows as one checksum each."""
    tables = sql(engine, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").split()
    checksums = {
        table: sql(
            engine,
            "SELECT count(*) || ':' || "
            f"coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t",
        )
        for table in sorted(tables)
    }
    # Every table answers "rows:checksum"; anything else is a lost answer, not a difference.
    assert all(re.fullmatch(r"\d+:[0-9a-f]*", value) for value in checksums.values()), checksums
    return checksums


def container_logs(engine: Engine, container: str) -> str:
    """What the container wrote, on either stream."""
    logs = engine.docker("logs", container)
    return logs.stdout + logs.stderr


def test_every_service_is_up_and_healthy(production_stack: Stack) -> None:
    listing = production_stack.wait_healthy()
    assert {entry["Service"]: entry["Health"] for entry in listing} == {
        "db": "healthy",
        "redis": "healthy",
        "backend": "healthy",
        "frontend": "healthy",
        "nginx": "healthy",
        "backup": "healthy",
    }
    published = [
        (entry["Service"], port["URL"])
        for entry in listing
        for port in entry["Publishers"]
        if port["PublishedPort"]
    ]
    assert published == [("nginx", "127.0.0.1"), ("nginx", "127.0.0.1")]


def test_http_redirects_to_https_which_sends_hsts(
    production_stack: Stack, production_ports: ProductionPorts
) -> None:
    with http_client(f"http://127.0.0.1:{production_ports.http}") as plain:
        redirect = plain.get("/products?page=2")
    assert redirect.status_code == 301
    assert redirect.headers["location"] == "https://127.0.0.1/products?page=2"
    with client(production_ports) as session:
        health = session.get("/health")
    assert (health.status_code, health.json()["status"]) == (200, "healthy")
    assert health.headers["strict-transport-security"] == HSTS


async def test_the_spa_signs_in_over_https_and_stays_signed_in_across_a_reload(
    production_stack: Stack, production_ports: ProductionPorts, browser: Browser
) -> None:
    context = await browser.new_context(
        base_url=production_ports.https_url, ignore_https_errors=True, locale="en-US"
    )
    page = await context.new_page()
    await page.goto("/login")
    await sign_in(page, "superAdmin", env_value(production_stack, "FIRST_SUPERUSER_PASSWORD"))
    await expect(page).not_to_have_url(re.compile(r"/login"), timeout=30_000)
    await page.goto("/orders")
    navigation = page.get_by_role("navigation", name="Main")
    await expect(navigation.get_by_role("link", name="Users")).to_be_visible()
    [cookie] = [c for c in await context.cookies() if c["path"] == "/api/auth"]
    assert (cookie["secure"], cookie["httpOnly"], cookie["sameSite"]) == (
        True,
        True,
        "Strict",
    )

    await page.reload()
    await expect(navigation.get_by_role("link", name="Users")).to_be_visible(timeout=30_000)
    await expect(page).to_have_url(re.compile(r"/orders$"))
    await context.close()


def test_two_api_replicas_count_one_sign_in_budget_in_redis(
    production_stack: Stack, production_ports: ProductionPorts
) -> None:
    production_stack.up("--scale", "backend=2", services={"backend": 2})
    username = f"guess-{uuid.uuid4().hex[:8]}"
    request_ids = [f"throttle-{uuid.uuid4().hex}" for _ in range(8)]
    with client(production_ports) as session:
        statuses = [
            session.post(
                "/api/auth/login",
                json={"username": username, "password": "not-the-password"},
                headers={"X-Request-ID": request_id},
            ).status_code
            for request_id in request_ids
        ]
    # Five failures per username in 15 minutes, wherever they were counted.
    assert statuses == [401] * 5 + [429] * 3
    answered_by = {
        container
        for container in backend_containers(production_stack)
        if any(
            request_id in container_logs(production_stack.engine, container)
            for request_id in request_ids
        )
    }
    assert len(answered_by) == 2, "one replica answered every attempt: nothing was shared"
    keys = production_stack.compose("exec", "-T", "redis", "redis-cli", "--scan").stdout
    assert username in keys, keys


def test_the_backup_services_dump_is_the_operators_and_restore_latest_brings_every_row_back(
    production_stack: Stack, production_ports: ProductionPorts, operator: str
) -> None:
    engine = production_stack.engine
    with client(production_ports, headers=admin_headers(production_stack, production_ports)) as s:
        for number in range(3):
            created = s.post(
                "/api/products",
                json={
                    "name": f"Backup tea {number}",
                    "sku": f"BK-{number}",
                    "price": "3.20",
                    "stock_quantity": 10 + number,
                },
            )
            assert created.status_code == 201, created.text
    before = fingerprint(engine)
    assert before["products"].startswith("3:")

    backups = production_stack.directory / "backups"
    existing = set(backups.glob("*.dump"))
    # The service dumps when it starts, then once a day.
    production_stack.compose("restart", "backup")

    def new_dumps() -> list[Path]:
        return sorted(set(backups.glob("order_system_*.dump")) - existing)

    def a_new_dump_is_written() -> None:
        assert new_dumps(), "the backup service wrote no new dump"

    wait_until(a_new_dump_is_written, limit=120)
    [dump] = new_dumps()
    status = dump.stat()
    assert (status.st_uid, status.st_mode & 0o777) == (backups.stat().st_uid, 0o640)
    assert production_stack.run("head", "-c", "5", dump).stdout == "PGDMP"

    sql(engine, "UPDATE products SET stock_quantity = 0; DELETE FROM refresh_tokens;")
    assert fingerprint(engine) != before

    # docs/operations.md's command, answered at its prompt on a terminal.
    restored = type_at_prompt(
        production_stack,
        ["cloud-deployment/scripts/restore.sh", "latest"],
        answer="yes",
    )
    assert restored.returncode == 0, restored.output
    assert fingerprint(engine) == before
    production_stack.wait_healthy()


@dataclass
class Typed:
    returncode: int
    output: str


def type_at_prompt(stack: Stack, command: list[str], *, answer: str) -> Typed:
    """Runs `command` as the stack's user on a terminal and types `answer` at its prompt."""
    primary, secondary = pty.openpty()
    assert stack.user is not None
    process = subprocess.Popen(
        [*as_user(stack.user), *command],
        cwd=stack.directory,
        env={
            **stack.engine.environment,
            **stack.environment,
            "HOME": f"/home/{stack.user}",
        },
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        start_new_session=True,
    )
    os.close(secondary)
    output = b""
    answered = False
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if not answered and b"type yes" in output.lower().split(b"\n")[-1]:
            os.write(primary, answer.encode() + b"\n")
            answered = True
    os.close(primary)
    return Typed(process.wait(timeout=600), output.decode(errors="replace"))


def upstreams_of(stack: Stack, request_ids: list[str]) -> list[str]:
    """The backend address nginx sent each of these requests to, from its access log."""
    log = container_logs(stack.engine, "order_system_nginx_prod")
    found = dict(re.findall(r"request_id=(\S+) upstream=(\S+)", log))
    return [found[request_id] for request_id in request_ids]


def test_nginx_spreads_requests_over_three_replicas(
    production_stack: Stack, production_ports: ProductionPorts
) -> None:
    production_stack.up("--scale", "backend=3", services={"backend": 3})
    addresses = {
        production_stack.engine.inspect(container)["NetworkSettings"]["Networks"][
            "order_system_prod_internal"
        ]["IPAddress"]
        for container in backend_containers(production_stack)
    }
    with client(production_ports) as session:

        def health_checks(prefix: str, count: int) -> list[str]:
            """`count` health checks through nginx; the upstream each went to."""
            request_ids = [f"{prefix}-{uuid.uuid4().hex}" for _ in range(count)]
            for request_id in request_ids:
                assert session.get("/api/health", headers={"X-Request-ID": request_id}).is_success
            return upstreams_of(production_stack, request_ids)

        # nginx keeps the name's DNS answer 5 s (nginx/docker-entrypoint.d/15-resolver.sh):
        # until it asks again, replicas started meanwhile get no requests.
        for attempt in retrying(60, interval=1):
            with attempt:
                assert {used.rpartition(":")[0] for used in health_checks("warm", 6)} == addresses
        used = health_checks("spread", 30)
    counts = {address: sum(u == f"{address}:8000" for u in used) for address in addresses}
    assert len(addresses) == 3
    assert all(count >= 5 for count in counts.values()), counts


def test_a_redeploy_under_requests_never_answers_502_once_the_new_backends_are_healthy(
    production_stack: Stack, production_ports: ProductionPorts
) -> None:
    before = set(backend_containers(production_stack))
    # A change to the code, so the image is rebuilt and every replica is replaced.
    marker = production_stack.directory / "server" / "app" / "__init__.py"
    marker.write_text(marker.read_text() + f"\n# redeploy {uuid.uuid4().hex}\n")
    with steady_requests(production_ports) as loop:
        production_stack.compose(
            "up", "-d", "--build", "--scale", "backend=3", "backend", timeout=1800
        )
        production_stack.wait_healthy({"backend": 3})
        healthy_at = time.monotonic()
        time.sleep(10)
    after = set(backend_containers(production_stack))
    assert not before & after, "the replicas were not replaced"
    answered = loop.after(healthy_at)
    assert len(answered) > 20
    assert set(answered) == {200}, answered


# Everything of the `monitoring` profile but Grafana, which has no stand-in image here.
MONITORING_SERVICES = (
    "prometheus",
    "alertmanager",
    "alert-sink",
    "node-exporter",
    "postgres-exporter",
    "redis-exporter",
    "blackbox-exporter",
)
PROMETHEUS = "order_system_prometheus_prod"


def prometheus_api(stack: Stack, path: str) -> object:
    answer = stack.engine.docker(
        "exec", PROMETHEUS, "wget", "-q", "-O", "-", f"http://127.0.0.1:9090/api/v1/{path}"
    )
    return json.loads(answer.stdout)["data"]


def test_the_monitoring_profile_scrapes_every_target_and_delivers_alerts_to_the_sink(
    production_stack: Stack,
) -> None:
    production_stack.compose(
        "--profile", "monitoring", "up", "-d", *MONITORING_SERVICES, timeout=900
    )
    production_stack.wait_healthy()
    replicas = {
        production_stack.engine.inspect(container)["NetworkSettings"]["Networks"][
            "order_system_prod_internal"
        ]["IPAddress"]
        for container in backend_containers(production_stack)
    }

    def every_target_is_up() -> None:
        targets = prometheus_api(production_stack, "targets?state=active")
        assert isinstance(targets, dict)
        health = {
            (target["labels"]["job"], target["labels"]["instance"]): target["health"]
            for target in targets["activeTargets"]
        }
        assert {job for job, _ in health} == {
            "backend", "prometheus", "alertmanager", "node", "postgres", "redis", "blackbox"
        }  # fmt: skip
        backends = {instance for job, instance in health if job == "backend"}
        assert backends == {f"{address}:8000" for address in replicas}
        assert set(health.values()) == {"up"}, health

    wait_until(every_target_is_up, limit=120, interval=2)

    def the_exporters_see_what_they_watch() -> None:
        # Up is only the exporter answering; each of these holds only if it reached what it
        # watches: PostgreSQL as its pg_monitor role, Redis with the password, nginx's
        # certificate, and the backup service's textfile.
        for query in (
            "pg_up == 1",
            "redis_up == 1",
            "probe_success == 1",
            "probe_ssl_earliest_cert_expiry > time()",
            'order_system_backup_last_run_success{kind="local"} == 1',
        ):
            result = prometheus_api(production_stack, f"query?query={quote(query)}")
            assert isinstance(result, dict)
            assert result["result"], f"{query}: no data"

    wait_until(the_exporters_see_what_they_watch, limit=60, interval=2)

    # An alert handed to Alertmanager goes out through the rendered configuration's default
    # receiver, the local sink, which logs it.
    marker = f"ContainerTest{uuid.uuid4().hex[:8]}"
    production_stack.engine.docker(
        "exec", "order_system_alertmanager_prod",
        "amtool", "alert", "add", marker, "severity=warning",
        "--annotation=runbook=docs/alerts.md",
        "--alertmanager.url=http://127.0.0.1:9093",
    )  # fmt: skip

    def the_sink_logged_it() -> None:
        logs = production_stack.engine.docker("logs", "order_system_alert_sink_prod")
        assert marker in logs.stdout + logs.stderr

    wait_until(the_sink_logged_it, limit=120, interval=3)
