"""cleanup.sh: prunes only what is old and unused, never a volume; empties only oversized
container logs; rotates nginx's file logs; --dry-run changes nothing; one run at a time.

The stand-in docker records every call (there is no engine here); the container logs are real
files, where its `docker container inspect` says they are (LogPath). A member of the docker
group who is not root is played by `nobody`."""

import fcntl
import gzip
import os
import pwd
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ops_support import (
    SYSTEM_PYTHON,
    Outcome,
    Toolbox,
    assert_usage_error,
    container,
    container_id,
    give_to,
    run_ok,
    run_script,
    shared_directory,
    tree_digest,
    unprivileged_user,
)

KIB = 1024
KEEP = "order_system.keep"
# Calls that only read: what a dry run may make.
READ_ONLY = {
    ("system", "df"),
    ("container", "ls"),
    ("container", "inspect"),
    ("image", "ls"),
    ("network", "ls"),
    ("buildx", "version"),
    ("buildx", "du"),
}


def _ago(days: int) -> str:
    """Docker's CreatedAt for `days` ago."""
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def _image(name: str, digit: str, days: int, size: str) -> dict[str, str]:
    repository, tag = name.split(":")
    return {
        "ID": "sha256:" + digit * 64,
        "Repository": repository,
        "Tag": tag,
        "CreatedAt": _ago(days),
        "Size": size,
    }


@dataclass
class Host:
    toolbox: Toolbox
    docker_root: Path
    logs: dict[str, Path]
    nginx_logs: Path
    user: pwd.struct_passwd | None = None

    def env(self, **extra: str) -> dict[str, str]:
        defaults = {
            "CLEANUP_LOCK_FILE": str(self.toolbox.root / "cleanup.lock"),
            "XDG_RUNTIME_DIR": str(self.toolbox.root),
        }
        return self.toolbox.env(**(defaults | extra))

    def run(self, *args: str, **env: str) -> Outcome:
        return run_script("cleanup.sh", *args, env=self.env(**env), user=self.user)

    def run_ok(self, *args: str, **env: str) -> Outcome:
        return run_ok("cleanup.sh", *args, env=self.env(**env), user=self.user)

    def calls(self) -> list[list[str]]:
        return self.toolbox.calls()

    def hide_docker_root(self) -> None:
        """Docker's own modes: its root and container directories are root's alone."""
        for directory in (self.docker_root, *self.docker_root.rglob("*")):
            directory.chmod(0o710 if directory.is_dir() else 0o640)


def _docker_log(docker_root: Path, name: str) -> Path:
    """Where Docker's json-file driver keeps the log of the container `name`."""
    identifier = container_id(name)
    return docker_root / "containers" / identifier / f"{identifier}-json.log"


def _make_host(root: Path, python: str = sys.executable) -> Host:
    """A Docker host: stopped containers old and new, one held by deploy.sh for a rollback,
    images in use and not, and container logs of several sizes."""
    docker_root = root / "docker"
    sizes = {"big": 300 * KIB, "medium": 100 * KIB + 1, "at_limit": 100 * KIB, "stray": 400 * KIB}
    logs = {
        "big": _docker_log(docker_root, "order_system_backend"),
        # Where the engine says, not only under the docker root (podman keeps them elsewhere).
        "medium": root / "podman" / container_id("order_system_nginx") / "userdata" / "ctr.log",
        "at_limit": _docker_log(docker_root, "old_migration_run"),
        "small": _docker_log(docker_root, "yesterdays_run"),
        # A container's log of the past that no container names any more: not the script's.
        "stray": _docker_log(docker_root, "removed_long_ago"),
    }
    for name, path in logs.items():
        path.parent.mkdir(parents=True)
        if name == "small":
            path.write_text('{"log":"hello\\n"}\n' * 100)
        else:
            path.write_bytes(b"{}\n" * (sizes[name] // 3) + b"x" * (sizes[name] % 3))
    # Docker's own rotation and its other files: never touched, whatever their size.
    logs["rotated"] = logs["big"].with_name(logs["big"].name + ".1")
    logs["rotated"].write_bytes(b"r" * 400 * KIB)
    logs["config"] = logs["big"].parent / "config.v2.json"
    logs["config"].write_bytes(b"c" * 400 * KIB)

    toolbox = Toolbox(root / "tools", python=python)
    toolbox.state = {
        "containers": [
            container(
                "order_system_backend",
                image="sha256:" + "1" * 64,
                log_path=str(logs["big"]),
                networks=["order_system_internal"],
            ),
            container(
                "order_system_nginx",
                local_exec=True,
                recorded_only=["nginx"],
                log_path=str(logs["medium"]),
            ),
            container(
                "old_migration_run",
                running=False,
                created=_ago(30),
                size="2.1MB",
                log_path=str(logs["at_limit"]),
                networks=["order_system_migrations"],
            ),
            container(
                "yesterdays_run",
                running=False,
                created=_ago(1),
                size="1.5MB",
                log_path=str(logs["small"]),
            ),
            # Never started: its log file is not there yet.
            container(
                "order_system_backend_rollback",
                running=False,
                status="created",
                created=_ago(40),
                image="sha256:" + "2" * 64,
                labels={KEEP: "rollback"},
                log_path=str(_docker_log(docker_root, "order_system_backend_rollback")),
            ),
            # The journald driver: no log file at all.
            container("order_system_redis", image="sha256:" + "1" * 64),
        ],
        "images": [
            _image("order_system-backend:latest", "1", 2, "412MB"),
            _image("order_system_backend:previous", "2", 40, "405MB"),
            _image("old-tool:1.0", "3", 90, "1.2GB"),
            _image("fresh-tool:2.0", "4", 1, "80MB"),
            # What builds left of the images before them.
            _image("<none>:<none>", "5", 60, "1.2GB"),
            _image("<none>:<none>", "6", 1, "90MB"),
        ],
        "networks": [
            {"Name": name, "CreatedAt": _ago(days)}
            for name, days in [
                ("bridge", 400),
                ("order_system_internal", 60),  # the backend's
                ("order_system_migrations", 60),  # a stopped container's
                ("abandoned_net", 60),
                ("fresh_net", 1),
            ]
        ],
    }
    toolbox.save()

    nginx_logs = root / "nginx-logs"
    nginx_logs.mkdir()
    return Host(toolbox, docker_root, logs, nginx_logs)


@pytest.fixture
def host(tmp_path: Path) -> Host:
    return _make_host(tmp_path)


@pytest.fixture
def members_host() -> Iterator[Host]:
    """The same host, where cleanup.sh runs as a member of the docker group who is not root:
    the logs are root's (the test's), the stand-ins and their records the user's."""
    user = unprivileged_user()
    with shared_directory() as root:
        host = _make_host(root, SYSTEM_PYTHON)
        give_to(host.toolbox.root, user)
        host.user = user
        yield host


def _listed_logs(host: Host, outcome: Outcome) -> list[str]:
    """The host's log files a dry run lists ("  PATH SIZE" lines), in its order."""
    paths = {str(path) for path in host.logs.values()}
    words = [line.split() for line in outcome.stdout.splitlines()]
    return [line[0] for line in words if line and line[0] in paths]


def _assert_read_only(calls: list[list[str]]) -> None:
    for call in calls:
        assert tuple(call[:2]) in READ_ONLY or tuple(call[:1]) in READ_ONLY, call
        assert not {"prune", "rm", "rmi", "exec", "stop", "kill"} & set(call), call


def _assert_no_volume(calls: list[list[str]]) -> None:
    for call in calls:
        assert not any("volume" in arg for arg in call), call


# --- --dry-run -----------------------------------------------------------------------------


def test_dry_run_alone_lists_every_candidate_and_changes_nothing(host: Host) -> None:
    before = tree_digest(host.docker_root)

    outcome = host.run_ok("--dry-run")

    assert tree_digest(host.docker_root) == before
    calls = host.calls()
    _assert_read_only(calls)
    assert calls[0] == ["system", "df"]
    out = outcome.stdout
    # Stopped containers of any age, but not the one deploy.sh keeps for a rollback.
    assert "old_migration_run" in out
    assert "yesterdays_run" in out
    assert "order_system_backend_rollback" not in out
    # Dangling images of any age; tagged ones stay, used or not.
    assert "555555555555, created" in out
    assert "666666666666, created" in out
    assert "old-tool" not in out
    assert "order_system_backend:previous" not in out
    # Networks no container is on, of any age; never the engine's own.
    assert "abandoned_net" in out
    assert "fresh_net" in out
    assert not {"bridge", "order_system_internal", "order_system_migrations"} & set(out.split())
    # Every non-empty container log, largest first, and the space it all takes.
    listed = _listed_logs(host, outcome)
    assert listed == [str(host.logs[n]) for n in ("big", "medium", "at_limit", "small")]
    assert "would be freed" in out
    assert "Dry run: nothing was changed." in out


def test_dry_run_of_prune_shows_only_what_is_older_than_the_days(host: Host) -> None:
    before = tree_digest(host.docker_root)

    outcome = host.run_ok("--dry-run", "--prune", "--days", "7")

    assert tree_digest(host.docker_root) == before
    calls = host.calls()
    _assert_read_only(calls)
    assert ["buildx", "du", "--filter", "until=168h"] in calls
    out = outcome.stdout
    assert "old_migration_run" in out
    assert "yesterdays_run" not in out
    assert "555555555555, created" in out
    assert "666666666666" not in out
    assert "abandoned_net" in out
    assert "fresh_net" not in out
    # 2.1MB of container and 1.2GB of image (Docker counts in 1000s): 1.1GiB.
    assert "up to 1.1GiB would be freed" in out
    assert "912.4MB" in out  # the build cache, itemised by buildx du


def test_dry_run_of_truncation_lists_the_logs_over_the_limit(host: Host) -> None:
    before = tree_digest(host.docker_root)

    outcome = host.run_ok("--dry-run", "--truncate-logs", "--max-size", "100K")

    assert tree_digest(host.docker_root) == before
    _assert_read_only(host.calls())
    listed = _listed_logs(host, outcome)
    assert listed == [str(host.logs["big"]), str(host.logs["medium"])]
    assert "2 log(s)" in outcome.stdout


def test_dry_run_of_rotation_execs_nothing(host: Host) -> None:
    (host.nginx_logs / "access.log").write_text("GET /\n")
    before = tree_digest(host.nginx_logs)

    outcome = host.run_ok(
        "--dry-run", "--rotate-nginx", "--container", "order_system_nginx",
        "--nginx-log-dir", str(host.nginx_logs),
    )  # fmt: skip

    assert tree_digest(host.nginx_logs) == before
    _assert_read_only(host.calls())
    assert "nginx -s reopen" in outcome.stdout


# --- --prune -------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "hours"), [("7", "168h"), ("30", "720h"), ("0", "0h")])
def test_prune_removes_only_what_is_older_than_the_days(host: Host, days: str, hours: str) -> None:
    outcome = host.run_ok("--prune", "--days", days)

    calls = host.calls()
    until = ["--filter", f"until={hours}"]
    keep = ["--filter", f"label!={KEEP}"]
    assert calls == [
        ["system", "df"],
        ["container", "prune", "--force", *until, *keep],
        ["image", "prune", "--force", *until],
        ["network", "prune", "--force", *until],
        ["builder", "prune", "--all", "--force", *until],
        ["system", "df"],
    ]
    assert "docker system df (before)" in outcome.stdout
    assert "docker system df (after)" in outcome.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--dry-run"],
        ["--prune", "--days", "7"],
        ["--dry-run", "--prune", "--days", "1"],
        ["--truncate-logs", "--max-size", "1M"],
        ["--prune", "--days", "3", "--truncate-logs", "--max-size", "200M"],
        ["--dry-run", "--prune", "--days", "7", "--truncate-logs", "--max-size", "1K"],
        ["--prune", "--days", "0", "--rotate-nginx", "--container", "order_system_nginx"],
    ],
)
def test_no_combination_ever_touches_a_volume(host: Host, args: list[str]) -> None:
    host.run_ok(*args, "--nginx-log-dir", str(host.nginx_logs))
    calls = host.calls()
    assert calls
    _assert_no_volume(calls)
    assert not any(call[:2] == ["system", "prune"] for call in calls)


# --- --truncate-logs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_size", "emptied"),
    [
        ("100K", {"big", "medium"}),  # at_limit is exactly 100K: not over it
        ("102400", {"big", "medium"}),
        ("200k", {"big"}),
        ("1G", set()),
    ],
)
def test_truncation_empties_only_the_logs_over_the_limit(
    host: Host, max_size: str, emptied: set[str]
) -> None:
    before = {name: path.read_bytes() for name, path in host.logs.items()}

    outcome = host.run_ok("--truncate-logs", "--max-size", max_size)

    for name, path in host.logs.items():
        assert path.exists(), f"{name} was deleted"
        if name in emptied:
            assert path.stat().st_size == 0, name
        else:
            assert path.read_bytes() == before[name], name
    assert f"{len(emptied)} log(s) emptied" in outcome.stdout
    _assert_no_volume(host.calls())


# --- --rotate-nginx ------------------------------------------------------------------------


def _rotate(host: Host) -> Outcome:
    return host.run_ok(
        "--rotate-nginx", "--container", "order_system_nginx",
        "--nginx-log-dir", str(host.nginx_logs),
    )  # fmt: skip


def test_rotation_moves_the_logs_aside_keeps_the_previous_and_reopens(host: Host) -> None:
    logs = host.nginx_logs
    (logs / "access.log").write_text("GET /today\n")
    (logs / "access.log.1").write_text("GET /yesterday\n")
    (logs / "error.log").write_text("error today\n")

    _rotate(host)

    assert not (logs / "access.log").exists()  # nginx -s reopen creates it again
    assert (logs / "access.log.1").read_text() == "GET /today\n"
    assert gzip.decompress((logs / "access.log.2.gz").read_bytes()) == b"GET /yesterday\n"
    assert (logs / "error.log.1").read_text() == "error today\n"
    calls = host.calls()
    assert [call[:3] for call in calls] == [
        ["system", "df"],
        ["container", "inspect", "--format"],
        ["exec", "order_system_nginx", "sh"],
        ["exec", "order_system_nginx", "nginx"],
        ["system", "df"],
    ]
    assert calls[2][-2:] == ["rotate-nginx", str(logs)]
    assert calls[3] == ["exec", "order_system_nginx", "nginx", "-s", "reopen"]

    # Again: today's log is the previous one now, and the one before is dropped.
    (logs / "access.log").write_text("GET /tomorrow\n")
    _rotate(host)
    assert (logs / "access.log.1").read_text() == "GET /tomorrow\n"
    assert gzip.decompress((logs / "access.log.2.gz").read_bytes()) == b"GET /today\n"


def test_rotation_leaves_logs_that_go_to_stdout_alone(host: Host) -> None:
    logs = host.nginx_logs
    (logs / "access.log").symlink_to("/dev/stdout")
    (logs / "error.log").symlink_to("/dev/stderr")
    before = tree_digest(logs)

    outcome = _rotate(host)

    assert tree_digest(logs) == before
    assert (
        f"{logs}/access.log -> /dev/stdout: nginx logs to the container's stdout" in outcome.stdout
    )
    assert "nothing to rotate" in outcome.stdout
    assert not any("reopen" in call for call in host.calls())


def test_rotation_refuses_a_container_that_is_not_running(host: Host) -> None:
    outcome = host.run("--rotate-nginx", "--container", "yesterdays_run")
    assert_usage_error(outcome, "container yesterdays_run is not running")
    assert not any(call[0] == "exec" for call in host.calls())

    outcome = host.run("--rotate-nginx", "--container", "no_such_nginx")
    assert_usage_error(outcome, "no container named no_such_nginx")


# --- Refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "nothing to do"),
        (["--days"], "--days needs a value"),
        (["--prune", "--days"], "--days needs a value"),
        (["--prune", "--days", "--dry-run"], "--days needs a value"),
        (["--prune", "--days", "seven"], "--days must be a whole number of days (got 'seven')"),
        (["--prune", "--days", "-3"], "--days must be a whole number of days (got '-3')"),
        (["--prune", "--days", "1.5"], "--days must be a whole number"),
        (["--prune"], "--prune needs --days N"),
        (["--days", "7"], "--days goes with --prune"),
        (["--truncate-logs"], "--truncate-logs needs --max-size SIZE"),
        (["--truncate-logs", "--max-size"], "--max-size needs a value"),
        (["--truncate-logs", "--max-size", "lots"], "--max-size must be a size like"),
        (["--truncate-logs", "--max-size", "1.5G"], "--max-size must be a size like"),
        (["--truncate-logs", "--max-size", "0"], "--max-size must be more than 0"),
        (["--max-size", "1M"], "--max-size goes with --truncate-logs"),
        (["--rotate-nginx"], "--rotate-nginx needs --container NAME"),
        (["--rotate-nginx", "--container"], "--container needs a value"),
        (["--container", "x"], "--container goes with --rotate-nginx"),
        (["--prune", "--days", "7", "--volumes"], "unknown argument: --volumes"),
    ],
)
def test_a_bad_invocation_is_refused_before_docker_is_called(
    host: Host, args: list[str], message: str
) -> None:
    before = tree_digest(host.docker_root)

    outcome = host.run(*args)

    assert outcome.code == 2, outcome.output
    assert_usage_error(outcome, f"cleanup.sh: error: {message}")
    assert host.calls() == []
    assert tree_digest(host.docker_root) == before


def test_without_docker_it_says_so(tmp_path: Path) -> None:
    toolbox = Toolbox(tmp_path, docker=False)
    for args in (["--dry-run"], ["--prune", "--days", "7"]):
        outcome = run_script("cleanup.sh", *args, env=toolbox.env())
        assert_usage_error(outcome, "docker not found on PATH")


def test_a_second_run_does_not_start_while_one_holds_the_lock(host: Host) -> None:
    before = tree_digest(host.docker_root)
    lock_file = host.toolbox.root / "cleanup.lock"
    with lock_file.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        outcome = host.run("--prune", "--days", "7", "--truncate-logs", "--max-size", "1K")

    assert_usage_error(outcome, "another cleanup.sh is running")
    assert host.calls() == []
    assert tree_digest(host.docker_root) == before
    # Once the lock is free, the same run goes ahead.
    host.run_ok("--truncate-logs", "--max-size", "1K")
    assert host.logs["big"].stat().st_size == 0


def test_an_unreachable_daemon_stops_it_before_anything_is_removed(host: Host) -> None:
    host.toolbox.state["fail"] = ["system df"]
    host.toolbox.save()
    before = tree_digest(host.docker_root)

    outcome = host.run("--prune", "--days", "7", "--truncate-logs", "--max-size", "1K")

    assert_usage_error(outcome, "is the Docker daemon running")
    assert host.calls() == [["system", "df"]]
    assert tree_digest(host.docker_root) == before


def test_an_image_prune_that_keeps_failing_with_nothing_freed_stops_the_run(host: Host) -> None:
    """A failed pass is tried again only while it freed something (podman's in-use parent);
    failing twice with as many images left is an error, and nothing after it runs."""
    host.toolbox.state["fail"] = ["image prune"]
    host.toolbox.save()

    outcome = host.run("--prune", "--days", "7")

    assert outcome.code == 1
    assert "docker image prune failed twice with" in outcome.stderr
    assert [call[:2] for call in host.calls()] == [
        ["system", "df"],
        ["container", "prune"],
        ["image", "prune"],
        ["image", "ls"],
        ["image", "prune"],
        ["image", "ls"],
    ]


# --- A member of the docker group, not root ------------------------------------------------


def _log_contents(host: Host) -> dict[str, bytes]:
    return {name: path.read_bytes() for name, path in host.logs.items()}


def test_a_docker_group_member_gets_a_dry_run(members_host: Host) -> None:
    """Docker's logs are root's: the dry run lists what it can see and says what it cannot."""
    host = members_host
    host.hide_docker_root()
    before = _log_contents(host)

    outcome = host.run_ok("--dry-run")

    assert _log_contents(host) == before
    _assert_read_only(host.calls())
    out = outcome.stdout
    assert "old_migration_run" in out
    assert "555555555555, created" in out
    assert _listed_logs(host, outcome) == [str(host.logs["medium"])]  # outside the docker root
    assert (
        f"and 4 this user cannot read ({host.docker_root} belongs to root): "
        "run it with sudo to see them"
    ) in out
    assert "Dry run: nothing was changed." in out


@pytest.mark.parametrize("hidden", [True, False], ids=["docker-root-closed", "logs-readable"])
def test_truncating_roots_logs_as_a_docker_group_member_stops_in_one_line(
    members_host: Host, hidden: bool
) -> None:
    host = members_host
    if hidden:
        host.hide_docker_root()
    # What stops it: Docker's closed root, else the largest log over the limit.
    owned = host.docker_root if hidden else host.logs["big"]
    before = _log_contents(host)

    outcome = host.run("--prune", "--days", "7", "--truncate-logs", "--max-size", "100K")

    assert outcome.code == 1, outcome.output
    assert outcome.stderr == (
        f"cleanup.sh: error: truncating container logs needs root: {owned} belongs to root; "
        "run it with sudo\n"
    )
    assert _log_contents(host) == before
    _assert_read_only(host.calls())  # not even the prune ran


def test_a_docker_group_member_prunes_under_a_lock_of_its_own(
    members_host: Host, tmp_path: Path
) -> None:
    host = members_host
    assert host.user is not None
    closed = tmp_path / "root-only"
    closed.mkdir(mode=0o700)
    shared_lock = closed / "cleanup.lock"

    outcome = host.run_ok("--prune", "--days", "7", CLEANUP_LOCK_FILE=str(shared_lock))

    own_lock = host.toolbox.root / f"order_system_cleanup.{host.user.pw_uid}.lock"
    assert f"Locking {own_lock}: this user cannot open {shared_lock}" in outcome.stdout
    assert own_lock.stat().st_uid == host.user.pw_uid
    assert not shared_lock.exists()
    assert [call[:2] for call in host.calls()] == [
        ["system", "df"],
        ["container", "prune"],
        ["image", "prune"],
        ["network", "prune"],
        ["builder", "prune"],
        ["system", "df"],
    ]


def test_a_docker_group_member_waits_for_a_run_that_holds_roots_lock_file(
    members_host: Host,
) -> None:
    """root's cron run made the lock file (mode 0644): another user locks the same file."""
    host = members_host
    lock_file = host.docker_root.parent / "cleanup.lock"
    lock_file.touch(mode=0o644)
    lock_file.chmod(0o644)

    with lock_file.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        outcome = host.run("--prune", "--days", "7", CLEANUP_LOCK_FILE=str(lock_file))

    assert_usage_error(outcome, f"another cleanup.sh is running (it holds {lock_file})")
    assert host.calls() == []
    # Once the lock is free, the same run goes ahead, on the same lock file.
    outcome = host.run_ok("--prune", "--days", "7", CLEANUP_LOCK_FILE=str(lock_file))
    assert "Locking" not in outcome.stdout
    assert ["container", "prune"] in [call[:2] for call in host.calls()]
    assert os.stat(lock_file).st_uid == 0
