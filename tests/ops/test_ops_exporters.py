"""The exporters' dashboards against the real thing: Debian's node, postgres, redis and
blackbox exporters watch a real PostgreSQL, a real redis-server and a real nginx over HTTPS;
a real Prometheus scrapes them with the project's own scrape jobs (monitoring/prometheus),
pointed at loopback; then every panel of the exporters' dashboards is evaluated through
Prometheus' HTTP API, and each must answer with data.

The API's own dashboard is checked against a running API elsewhere (test_dockerfile_runtime).
"""

import json
import math
import re
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import yaml  # type: ignore[import-untyped]  # PyYAML comes with uvicorn[standard]
from helpers import RedisServer, free_port, retrying
from monitoring_support import EXPORTER_ROLE, monitored_postgres
from nginx_support import require_tool, self_signed_certificate, stop_process
from tenacity import Retrying

REPO_ROOT = Path(__file__).resolve().parents[2]
MONITORING_DIR = REPO_ROOT / "monitoring"
PROMETHEUS_CONFIG = MONITORING_DIR / "prometheus" / "prometheus.yml"
BLACKBOX_CONFIG = MONITORING_DIR / "blackbox" / "blackbox.yml"
DASHBOARDS_DIR = MONITORING_DIR / "grafana" / "dashboards"
EXPORTER_DASHBOARDS = (
    DASHBOARDS_DIR / "order_system_host.json",
    DASHBOARDS_DIR / "order_system_postgresql.json",
    DASHBOARDS_DIR / "order_system_redis.json",
)
# Where Compose runs each exporter (the scrape jobs' addresses), and nginx as probed.
COMPOSE_ADDRESSES = {
    "node": "node-exporter:9100",
    "postgres": "postgres-exporter:9187",
    "redis": "redis-exporter:9121",
    "blackbox": "blackbox-exporter:9115",
}
PROBED_NGINX = "https://nginx:443/health"

DATABASE = "order_system"
EXPORTER_PASSWORD = "exporter-test-postgres-password"
REDIS_PASSWORD = "exporter-test-redis-password"
REDIS_KEY = "order_system:exporter-test"
SCRAPE_INTERVAL_SECONDS = 1
# Grafana's $__rate_interval is at least four scrape intervals.
RATE_INTERVAL = f"{4 * SCRAPE_INTERVAL_SECONDS}s"
WAIT_SECONDS = 60.0


def until_it_passes(limit: float = WAIT_SECONDS) -> Retrying:
    return retrying(limit, interval=0.25, on=(AssertionError, httpx.TransportError))


@dataclass
class Server:
    """A process of ours, answering HTTP on 127.0.0.1:port."""

    name: str
    port: int
    process: "subprocess.Popen[bytes]"
    log: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def assert_alive(self) -> None:
        assert self.process.poll() is None, f"{self.name} exited:\n{self.log.read_text()[-3000:]}"


@contextmanager
def serving(
    name: str, command: list[str], port: int, log: Path, env: Mapping[str, str] | None = None
) -> Iterator[Server]:
    """`command` running until the block ends, stopped by its own PID."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=dict(env) if env else None
        )
    server = Server(name, port, process, log)
    try:
        yield server
    finally:
        stop_process(process)


def nginx_config(work: Path, port: int, certificate: Path, key: Path) -> Path:
    """An HTTPS server of nginx's own, every file it writes inside `work`."""
    temporary = "\n".join(
        f"    {kind}_temp_path {work / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = work / "nginx.conf"
    config.write_text(
        f"""daemon off;
worker_processes 1;
pid {work / "nginx.pid"};
error_log {work / "error.log"};
events {{}}
http {{
    access_log off;
{temporary}
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {certificate};
        ssl_certificate_key {key};
        location / {{
            return 200 "ok";
        }}
    }}
}}
"""
    )
    return config


def replaced(value: Any, replacements: Mapping[str, str]) -> Any:
    """`value` (a parsed YAML tree) with each string found in `replacements` replaced."""
    if isinstance(value, dict):
        return {key: replaced(item, replacements) for key, item in value.items()}
    if isinstance(value, list):
        return [replaced(item, replacements) for item in value]
    if isinstance(value, str):
        return replacements.get(value, value)
    return value


def prometheus_config(path: Path, replacements: Mapping[str, str]) -> Path:
    """The project's scrape jobs of the exporters, their Compose addresses made loopback ones."""
    project = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    jobs = [job for job in project["scrape_configs"] if job["job_name"] in COMPOSE_ADDRESSES]
    assert {job["job_name"] for job in jobs} == set(COMPOSE_ADDRESSES)
    interval = f"{SCRAPE_INTERVAL_SECONDS}s"
    config = {
        "global": {"scrape_interval": interval, "scrape_timeout": interval},
        "scrape_configs": replaced(jobs, replacements),
    }
    path.write_text(yaml.safe_dump(config))
    return path


def panel_queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, PromQL) of every target of every panel."""
    return [
        (panel["title"], target["expr"])
        for panel in dashboard["panels"]
        for target in panel["targets"]
    ]


@dataclass
class Stack:
    prometheus: httpx.Client
    redis: redis.Redis

    def use_redis(self) -> None:
        """A lookup that finds its key and one that does not, as the login throttle makes:
        without traffic, rates and ratios of Redis' lookups have nothing to show."""
        self.redis.get(REDIS_KEY)
        self.redis.get(f"{REDIS_KEY}:absent")

    def query(self, promql: str) -> list[dict[str, Any]]:
        response = self.prometheus.get("/api/v1/query", params={"query": promql})
        body = response.json()
        assert response.status_code == 200, body
        assert body["status"] == "success", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def label_values(self, label: str, selector: str) -> list[str]:
        response = self.prometheus.get(
            f"/api/v1/label/{label}/values", params={"match[]": selector}
        )
        assert response.status_code == 200, response.text
        values: list[str] = response.json()["data"]
        return values


def substituted(query: str, variables: Mapping[str, str]) -> str:
    """A dashboard query with Grafana's variables as Grafana would fill them in."""
    filled = query.replace("$__rate_interval", RATE_INTERVAL)
    for name, value in variables.items():
        filled = filled.replace(f"${name}", value)
    assert "$" not in filled, f"a variable is left in {filled}"
    return filled


def dashboard_variables(stack: Stack, dashboard: dict[str, Any]) -> dict[str, str]:
    """Each query variable set to the value this test's data must offer (the database)."""
    variables: dict[str, str] = {}
    for variable in dashboard["templating"]["list"]:
        label, selector = parse_label_values(variable["query"]["query"])
        offered = stack.label_values(label, selector)
        assert DATABASE in offered, (variable["name"], offered)
        variables[variable["name"]] = DATABASE
    return variables


def parse_label_values(query: str) -> tuple[str, str]:
    """`label_values(selector, label)`, Grafana's variable query, as (label, selector)."""
    match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
    assert match, query
    return match.group(2), match.group(1)


@dataclass(frozen=True)
class Exporter:
    job: str
    program: str
    arguments: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)


@contextmanager
def running_redis(work: Path) -> Iterator[RedisServer]:
    """redis-server as production runs it: a password and a memory ceiling; and a key to count."""
    server = RedisServer(work)
    server.start()
    try:
        with redis.Redis(host="127.0.0.1", port=server.port) as client:
            client.config_set("maxmemory", "96mb")
            client.set(REDIS_KEY, "1", ex=3600)
            client.config_set("requirepass", REDIS_PASSWORD)
        yield server
    finally:
        server.stop()


def running_nginx(work: Path) -> AbstractContextManager[Server]:
    """nginx serving HTTPS with a self-signed certificate."""
    work.mkdir()
    certificate = self_signed_certificate(work)
    port = free_port()
    config = nginx_config(work, port, certificate, work / "privkey.pem")
    command = [
        require_tool("nginx"),
        "-p",
        f"{work}/",
        "-e",
        str(work / "error.log"),
        "-c",
        str(config),
    ]
    return serving("nginx", command, port, work / "nginx.log")


def backup_metrics(directory: Path) -> Path:
    """A textfile-collector directory holding what backup.sh writes after a good local dump
    and a failed upload (the metric names agreed with it)."""
    directory.mkdir()
    now = time.time()
    lines = []
    for kind, success in (("local", 1), ("offsite", 0)):
        lines += [
            f'order_system_backup_last_run_timestamp_seconds{{kind="{kind}"}} {now}',
            f'order_system_backup_last_run_success{{kind="{kind}"}} {success}',
            f'order_system_backup_last_success_timestamp_seconds{{kind="{kind}"}} {now - 86400}',
            f'order_system_backup_size_bytes{{kind="{kind}"}} 1048576',
        ]
    (directory / "order_system_backup.prom").write_text("\n".join(lines) + "\n")
    return directory


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("exporters")
    with ExitStack() as running:
        database = running.enter_context(monitored_postgres(DATABASE, EXPORTER_PASSWORD))
        redis_server = running.enter_context(running_redis(work))
        redis_client = running.enter_context(
            redis.Redis(host="127.0.0.1", port=redis_server.port, password=REDIS_PASSWORD)
        )
        nginx = running.enter_context(running_nginx(work / "nginx"))
        # As in Compose: the credentials in the environment, none on the command line.
        exporters = (
            Exporter(
                "node",
                "prometheus-node-exporter",
                (f"--collector.textfile.directory={backup_metrics(work / 'backup-metrics')}",),
            ),
            Exporter(
                "postgres",
                "prometheus-postgres-exporter",
                environment={
                    "DATA_SOURCE_URI": f"/{DATABASE}?host={database.query['host']}&sslmode=disable",
                    "DATA_SOURCE_USER": EXPORTER_ROLE,
                    "DATA_SOURCE_PASS": EXPORTER_PASSWORD,
                },
            ),
            Exporter(
                "redis",
                "prometheus-redis-exporter",
                environment={
                    "REDIS_ADDR": f"redis://127.0.0.1:{redis_server.port}",
                    "REDIS_PASSWORD": REDIS_PASSWORD,
                },
            ),
            Exporter(
                "blackbox", "prometheus-blackbox-exporter", (f"--config.file={BLACKBOX_CONFIG}",)
            ),
        )
        servers: dict[str, Server] = {}
        for exporter in exporters:
            port = free_port()
            command = [
                require_tool(exporter.program),
                f"--web.listen-address=127.0.0.1:{port}",
                *exporter.arguments,
            ]
            environment = {"PATH": "/usr/bin:/bin", **exporter.environment}
            log = work / f"{exporter.program}.log"
            servers[exporter.job] = running.enter_context(
                serving(exporter.program, command, port, log, environment)
            )

        replacements = {COMPOSE_ADDRESSES[job]: server.address for job, server in servers.items()}
        replacements[PROBED_NGINX] = f"https://{nginx.address}/health"
        port = free_port()
        command = [
            require_tool("prometheus"),
            f"--config.file={prometheus_config(work / 'prometheus.yml', replacements)}",
            f"--storage.tsdb.path={work / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ]
        prometheus = running.enter_context(
            serving("prometheus", command, port, work / "prometheus.log")
        )
        client = running.enter_context(
            httpx.Client(base_url=f"http://{prometheus.address}", timeout=10)
        )
        for attempt in until_it_passes():
            with attempt:
                for server in (nginx, prometheus, *servers.values()):
                    server.assert_alive()
                # 503 until Prometheus has loaded its storage and configuration.
                answer = client.get("/api/v1/targets")
                assert answer.status_code == 200, answer.text
                targets = answer.json()["data"]["activeTargets"]
                health = {target["labels"]["job"]: target["health"] for target in targets}
                assert health == dict.fromkeys(COMPOSE_ADDRESSES, "up"), targets
        yield Stack(client, redis_client)


def test_every_exporter_job_is_up_and_the_probe_sees_the_certificate(stack: Stack) -> None:
    for job in COMPOSE_ADDRESSES:
        (up,) = stack.query(f'up{{job="{job}"}}')
        assert up["value"][1] == "1", job
    # The exporters signed in: postgres_exporter with its password, Redis with its own.
    for reached in ('pg_up{job="postgres"}', 'redis_up{job="redis"}'):
        (sample,) = stack.query(reached)
        assert sample["value"][1] == "1", reached
    # The blackbox module reached nginx over TLS: the probe succeeded and knows the expiry,
    # a day or two ahead (the test certificate's lifetime).
    (success,) = stack.query('probe_success{job="blackbox"}')
    assert success["value"][1] == "1"
    (expiry,) = stack.query('probe_ssl_earliest_cert_expiry{job="blackbox"} - time()')
    assert 86400 < float(expiry["value"][1]) <= 2 * 86400


@pytest.mark.parametrize("dashboard_file", EXPORTER_DASHBOARDS, ids=lambda path: path.stem)
def test_every_panel_of_the_exporters_dashboards_shows_data(
    stack: Stack, dashboard_file: Path
) -> None:
    dashboard = json.loads(dashboard_file.read_text())
    variables = dashboard_variables(stack, dashboard)
    queries = panel_queries(dashboard)
    assert queries
    for title, query in queries:
        promql = substituted(query, variables)
        # Rates need a few scrapes inside their window: wait until they have them.
        for attempt in until_it_passes():
            with attempt:
                stack.use_redis()
                result = stack.query(promql)
                assert result, f"{title!r}: no data for {promql}"
                values = [float(sample["value"][1]) for sample in result]
                assert any(math.isfinite(value) for value in values), (title, promql, values)
