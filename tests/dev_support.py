"""The dev runner (`make dev`, `make api`) and `make seed` as a developer runs them: with no
database configured, `.data` under a directory of the test's own, and Ctrl-C."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from helpers import retrying

from app.core.config import Settings

# The first request to `next dev` compiles the page; on a busy two-core machine that is slow.
STARTUP_LIMIT_SECONDS = 240


def unconfigured_environment(working_dir: Path) -> dict[str, str]:
    """Ours, with no setting of the app, and `.data` (LOCAL_DATA_DIR) under `working_dir`."""
    environment = {
        key: value for key, value in os.environ.items() if key not in Settings.model_fields
    }
    environment["LOCAL_DATA_DIR"] = str(working_dir / "data")
    return environment


def wait_until_ok(url: str, runner: subprocess.Popen[str]) -> httpx.Response:
    for attempt in retrying(
        STARTUP_LIMIT_SECONDS, interval=0.5, on=(httpx.TransportError, httpx.HTTPStatusError)
    ):
        with attempt:
            assert runner.poll() is None, "the dev runner exited early"
            response = httpx.get(url, timeout=30)
            response.raise_for_status()
    return response


@contextmanager
def dev_runner(working_dir: Path, *arguments: str, **ports: int) -> Iterator[subprocess.Popen[str]]:
    """`python -m devtools.dev ARGS` in `working_dir` (no `.env` there: the development
    defaults apply), with the ports given as environment variables (API_PORT=...)."""
    environment = unconfigured_environment(working_dir)
    environment.update({name: str(port) for name, port in ports.items()})
    runner = subprocess.Popen(
        [sys.executable, "-m", "devtools.dev", *arguments],
        cwd=working_dir,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal gives `make dev`
    )
    try:
        yield runner
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()


def ctrl_c(runner: subprocess.Popen[str]) -> str:
    """Ctrl-C in a terminal signals the whole foreground process group; returns the output."""
    os.killpg(runner.pid, signal.SIGINT)
    output, _ = runner.communicate(timeout=60)
    return output
