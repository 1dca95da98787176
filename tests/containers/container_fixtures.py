"""Fixtures of the container tests, registered by tests/conftest.py: the engine (once per test
session), a checkout of the repository where operators' commands run, and the Compose stacks
brought up from it as docs/deployment.md tells an operator.

Every container, volume, network and image the stacks make is removed when the session ends,
and also when it starts (what a killed run left); the stand-in base images and the build
cache (podman's intermediate layers, pip's and npm's cache mounts) stay for the next run.
"""

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from docs_support import doc_block
from e2e_support import CHROMIUM
from engine_support import (
    REPO_ROOT,
    BridgeAddressPinner,
    Engine,
    EngineError,
    HealthScheduler,
    remove_images,
    remove_project,
    remove_stale_network_state,
    running_engine,
)
from helpers import free_port
from playwright.async_api import Browser, async_playwright, expect

# The Compose projects of docker-compose.yml and docker-compose.production.yml (their `name:`).
PROJECTS = ("order_system", "order_system_prod")
# What the stacks and deploy.sh build or tag: Compose's service images and the rollback tags.
BUILT_IMAGES = ("order_system-*", "order_system_prod-*", "order_system_*")
HEALTHY_WITHIN_SECONDS = 300
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "containers"


def remove_everything(engine: Engine) -> None:
    for project in PROJECTS:
        remove_project(engine, project)
    rollback = engine.docker(
        "container",
        "ls",
        "--all",
        "--quiet",
        "--filter",
        "label=order_system.keep=rollback",
    ).stdout.split()
    if rollback:
        engine.docker("container", "rm", "--force", *rollback, check=False)
    remove_images(engine, BUILT_IMAGES)
    remove_stale_network_state(engine)


@pytest.fixture(scope="session")
def container_engine() -> Iterator[Engine]:
    # Not pytest's temporary directory: a docker-group user must reach the socket inside.
    work = Path(tempfile.mkdtemp(prefix="order-system-engine-"))
    try:
        with running_engine(work) as started:
            remove_everything(started)
            try:
                with BridgeAddressPinner(), HealthScheduler(started):
                    yield started
            finally:
                remove_everything(started)
    finally:
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        service_log = work / "podman-service.log"
        if service_log.exists():
            shutil.copy(service_log, ARTIFACTS_DIR / "podman-service.log")
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def checkout() -> Iterator[Path]:
    """The repository's files as a fresh clone has them (tracked, or new and not ignored):
    operators' `.env`, `backups/` and certificates land here, never in the working tree."""
    directory = Path(tempfile.mkdtemp(prefix="order-system-checkout-"))
    directory.chmod(0o755)
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listing.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def is_finished_one_shot(entry: Mapping[str, Any]) -> bool:
    """A container that did its job and ended well (alertmanager-config's rendering)."""
    return entry["State"] == "exited" and entry["ExitCode"] == 0 and not entry.get("Health")


@dataclass
class Stack:
    """A Compose project run from the checkout, as `docker compose [-f FILE] ...` there."""

    engine: Engine
    directory: Path
    compose_file: str
    environment: dict[str, str] = field(default_factory=dict)
    # Who runs the commands (None: root).
    user: str | None = None

    def run(self, *command: str | Path, **options: Any) -> subprocess.CompletedProcess[str]:
        """A command in the checkout, as the stack's user, with its environment."""
        return self.engine.run(
            *command,
            cwd=self.directory,
            env={**self.environment, **options.pop("env", {})},
            user=self.user,
            **options,
        )

    def compose(self, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
        return self.run("docker", "compose", "-f", self.compose_file, *args, **options)

    def services(self) -> list[dict[str, Any]]:
        """`docker compose ps --all`, one entry per container."""
        output = self.compose("ps", "--all", "--format", "json").stdout
        # One JSON object per line (Compose 2.21 and later), or one list before that.
        if output.lstrip().startswith("["):
            return list(json.loads(output))
        return [json.loads(line) for line in output.splitlines() if line.strip()]

    def wait_healthy(self, services: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
        """Waits until every container of the project runs and passes its healthcheck (and
        `services` have that many containers); returns `docker compose ps`."""
        deadline = time.monotonic() + HEALTHY_WITHIN_SECONDS
        while True:
            listing = self.services()
            counts = dict.fromkeys(services or {}, 0)
            for entry in listing:
                counts[entry["Service"]] = counts.get(entry["Service"], 0) + 1
            ready = all(
                (entry["State"] == "running" and entry.get("Health") in ("healthy", ""))
                or is_finished_one_shot(entry)
                for entry in listing
            ) and all(counts[name] == wanted for name, wanted in (services or {}).items())
            if ready and listing:
                return listing
            if time.monotonic() > deadline:
                logs = self.compose("logs", "--tail", "30", check=False).stdout
                raise EngineError(f"not healthy in time: {listing}\n{logs}")
            time.sleep(1)

    def save_logs(self, name: str) -> None:
        """Every container's output so far, kept as a test artifact."""
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        logs = self.compose("logs", "--timestamps", check=False)
        (ARTIFACTS_DIR / f"{name}.log").write_text(logs.stdout + logs.stderr)

    def up(self, *args: str, services: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
        self.compose("up", "-d", *args, timeout=1800)
        return self.wait_healthy(services)


def http_client(base_url: str, **options: Any) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=30, **options)


@pytest.fixture(scope="session")
def dev_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def mailpit_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def dev_stack(
    container_engine: Engine, checkout: Path, dev_port: int, mailpit_port: int
) -> Iterator[Stack]:
    """docker-compose.yml brought up as docs/deployment.md says, nginx published on loopback
    only (Mailpit's UI always is)."""
    stack = Stack(
        container_engine,
        checkout,
        "docker-compose.yml",
        {"NGINX_HTTP_PORT": f"127.0.0.1:{dev_port}", "MAILPIT_PORT": str(mailpit_port)},
    )
    stack.up("--build")
    yield stack
    stack.save_logs("dev-stack")
    stack.compose("down", "--volumes", timeout=300)


OPERATOR = "order-ops"


def account_exists(database: str, name: str) -> bool:
    return (
        subprocess.run(["getent", database, name], capture_output=True, check=False).returncode == 0
    )


@pytest.fixture(scope="session")
def operator(container_engine: Engine) -> Iterator[str]:
    """A user who is not root and is in the `docker` group, as the guides' operator; the
    engine's socket is the group's. Made for the session unless the machine has them."""
    made_group = not account_exists("group", "docker")
    if made_group:
        subprocess.run(["groupadd", "--system", "docker"], check=True)
    made_user = not account_exists("passwd", OPERATOR)
    if made_user:
        subprocess.run(["useradd", "--create-home", "--groups", "docker", OPERATOR], check=True)
    container_engine.open_to_group("docker")
    yield OPERATOR
    if made_user:
        subprocess.run(["userdel", "--remove", OPERATOR], check=False, capture_output=True)
    if made_group:
        subprocess.run(["groupdel", "docker"], check=False, capture_output=True)


@dataclass(frozen=True)
class ProductionPorts:
    http: int
    https: int

    @property
    def https_url(self) -> str:
        return f"https://127.0.0.1:{self.https}"


@pytest.fixture(scope="session")
def production_ports() -> ProductionPorts:
    return ProductionPorts(free_port(), free_port())


@pytest.fixture(scope="session")
def production_stack(
    container_engine: Engine,
    checkout: Path,
    operator: str,
    production_ports: ProductionPorts,
) -> Iterator[Stack]:
    """docker-compose.production.yml set up by the operator exactly as the `production-setup`
    block of docs/deployment.md says, with nginx's ports published on loopback only."""
    subprocess.run(["chown", "-R", f"{operator}:{operator}", checkout], check=True)
    stack = Stack(
        container_engine,
        checkout,
        "docker-compose.production.yml",
        {
            "NGINX_HTTP_PORT": f"127.0.0.1:{production_ports.http}",
            "NGINX_HTTPS_PORT": f"127.0.0.1:{production_ports.https}",
        },
        user=operator,
    )
    stack.run("bash", "-euo", "pipefail", "-c", doc_block("production-setup"), timeout=1800)
    stack.wait_healthy()
    yield stack
    stack.save_logs("production-stack")
    stack.compose("--profile", "monitoring", "down", "--volumes", timeout=300)


# As in tests/e2e: the machine is shared, and here every page and call also crosses the
# engine's networks and nginx, so a navigation can outlast Playwright's 5 s default.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium driven by Playwright; the end-to-end tests (tests/e2e) share it."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        await launched.close()
