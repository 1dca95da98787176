"""cleanup.sh: prunes only what is old and unused, never a volume; empties only oversized
container logs; rotates nginx's file logs; --dry-run changes nothing; one run at a time.

The stand-in docker records every call (there is no engine here); the container logs are real
files under a DOCKER_ROOT of the test's own."""

import fcntl
import gzip
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ops_support import (
    Outcome,
    Toolbox,
    assert_usage_error,
    container,
    run_ok,
    run_script,
    tree_digest,
)

KIB = 1024
KEEP = "order_system.keep"
# Calls that only read: what a dry run may make.
READ_ONLY = {
    ("system", "df"),
    ("container", "ls"),
    ("container", "inspect"),
    ("image", "ls"),
    ("buildx", "version"),
    ("buildx", "du"),
    ("info",),
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

    def env(self) -> dict[str, str]:
        return self.toolbox.env(
            DOCKER_ROOT=str(self.docker_root),
            CLEANUP_LOCK_FILE=str(self.toolbox.root / "cleanup.lock"),
        )

    def run(self, *args: str) -> Outcome:
        return run_script("cleanup.sh", *args, env=self.env())

    def run_ok(self, *args: str) -> Outcome:
        return run_ok("cleanup.sh", *args, env=self.env())

    def calls(self) -> list[list[str]]:
        return self.toolbox.calls()


@pytest.fixture
def host(tmp_path: Path) -> Host:
    """A Docker host: stopped containers old and new, one held by deploy.sh for a rollback,
    images in use and not, and container logs of several sizes."""
    toolbox = Toolbox(tmp_path / "tools")
    toolbox.state = {
        "containers": [
            container("order_system_backend", image="sha256:" + "1" * 64),
            container("order_system_nginx", local_exec=True, recorded_only=["nginx"]),
            container("old_migration_run", running=False, created=_ago(30), size="2.1MB"),
            container("yesterdays_run", running=False, created=_ago(1), size="1.5MB"),
            container(
                "order_system_backend_rollback",
                running=False,
                status="created",
                created=_ago(40),
                image="sha256:" + "2" * 64,
                labels={KEEP: "rollback"},
            ),
        ],
        "images": [
            _image("order_system-backend:latest", "1", 2, "412MB"),
            _image("order_system_backend:previous", "2", 40, "405MB"),
            _image("old-tool:1.0", "3", 90, "1.2GB"),
            _image("fresh-tool:2.0", "4", 1, "80MB"),
        ],
    }
    toolbox.save()

    docker_root = tmp_path / "docker"
    logs: dict[str, Path] = {}
    for name, size in {"big": 300 * KIB, "medium": 100 * KIB + 1, "at_limit": 100 * KIB}.items():
        directory = docker_root / "containers" / (name * 8)[:64]
        directory.mkdir(parents=True)
        logs[name] = directory / f"{directory.name}-json.log"
        logs[name].write_bytes(b"{}\n" * (size // 3) + b"x" * (size % 3))
    small = docker_root / "containers" / "small"
    small.mkdir()
    logs["small"] = small / "small-json.log"
    logs["small"].write_text('{"log":"hello\\n"}\n' * 100)
    # Docker's own rotation and its other files: never touched, whatever their size.
    logs["rotated"] = logs["big"].with_name(logs["big"].name + ".1")
    logs["rotated"].write_bytes(b"r" * 400 * KIB)
    logs["config"] = logs["big"].parent / "config.v2.json"
    logs["config"].write_bytes(b"c" * 400 * KIB)

    nginx_logs = tmp_path / "nginx-logs"
    nginx_logs.mkdir()
    return Host(toolbox, docker_root, logs, nginx_logs)


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
    # Images no container uses; the running one and the rollback image are in use.
    assert "old-tool:1.0" in out
    assert "fresh-tool:2.0" in out
    assert "order_system-backend:latest" not in out
    assert "order_system_backend:previous" not in out
    # Every non-empty container log, largest first, and the space it all takes.
    listed = [line.split()[0] for line in out.splitlines() if "-json.log " in line]
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
    assert "old-tool:1.0" in out
    assert "fresh-tool:2.0" not in out
    # 2.1MB of container and 1.2GB of image (Docker counts in 1000s): 1.1GiB.
    assert "up to 1.1GiB would be freed" in out
    assert "912.4MB" in out  # the build cache, itemised by buildx du


def test_dry_run_of_truncation_lists_the_logs_over_the_limit(host: Host) -> None:
    before = tree_digest(host.docker_root)

    outcome = host.run_ok("--dry-run", "--truncate-logs", "--max-size", "100K")

    assert tree_digest(host.docker_root) == before
    _assert_read_only(host.calls())
    listed = [line.split()[0] for line in outcome.stdout.splitlines() if "-json.log " in line]
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
        ["image", "prune", "--all", "--force", *until, *keep],
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
