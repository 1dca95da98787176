"""Runs wrk with a Lua script and reads the figures its `done` callback prints."""

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

LUA_DIR = Path(__file__).parent / "lua"
REPLAY_SCRIPT = LUA_DIR / "replay.lua"
RESULT_MARKER = "WRK_RESULT "


class WrkError(Exception):
    """wrk failed, or printed no result line."""


@dataclass(frozen=True)
class WrkResult:
    """One wrk run. Latencies in milliseconds; `status_errors` counts answers >= 400."""

    requests: int
    duration_s: float
    socket_errors: int
    status_errors: int
    latency_ms: dict[str, float]
    # lua/soak.lua's answers by kind of request: {"order": {"ok": 10, "errors": 0}, ...}
    kinds: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def errors(self) -> int:
        return self.socket_errors + self.status_errors


def parse_wrk_output(stdout: str) -> WrkResult:
    """The result line of `lua/*.lua`'s `done`, among wrk's usual text."""
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if len(lines) != 1:
        raise WrkError(f"expected one {RESULT_MARKER.strip()} line in wrk's output:\n{stdout}")
    raw = json.loads(lines[0].removeprefix(RESULT_MARKER))
    return WrkResult(
        requests=raw["requests"],
        duration_s=raw["duration_us"] / 1e6,
        socket_errors=raw["connect_errors"]
        + raw["read_errors"]
        + raw["write_errors"]
        + raw["timeouts"],
        status_errors=raw["status_errors"],
        latency_ms={name: value / 1000 for name, value in raw["latency_us"].items()},
        kinds=raw.get("kinds", {}),
    )


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkError("wrk is not installed: run `make system-deps` as root (Debian package wrk)")
    return path


@dataclass(frozen=True)
class Load:
    """What wrk sends, where, how hard and for how long."""

    url: str
    requests_file: Path
    connections: int
    threads: int
    duration_s: float
    script: Path = REPLAY_SCRIPT

    def command(self, *, run_tag: str) -> list[str]:
        return [
            wrk_path(),
            f"--threads={min(self.threads, self.connections)}",
            f"--connections={self.connections}",
            f"--duration={max(1, round(self.duration_s))}s",
            "--timeout=10s",
            f"--script={self.script}",
            self.url,
            "--",
            str(self.requests_file),
            run_tag,
        ]


def start_wrk(load: Load, *, run_tag: str) -> "subprocess.Popen[str]":
    """wrk in the background, e.g. beside another load (the login storm); the caller stops it
    with `finish_wrk`, or kills it on error."""
    return subprocess.Popen(
        load.command(run_tag=run_tag), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish_wrk(process: "subprocess.Popen[str]", load: Load) -> WrkResult:
    try:
        stdout, stderr = process.communicate(timeout=load.duration_s + 60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise WrkError(f"wrk exited with {process.returncode}:\n{stderr}")
    return parse_wrk_output(stdout)


def run_wrk(load: Load, *, run_tag: str) -> WrkResult:
    return finish_wrk(start_wrk(load, run_tag=run_tag), load)
