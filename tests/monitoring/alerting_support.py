"""Helpers for the alerting tests: the project's Prometheus rules and Alertmanager files, the
Debian binaries that check and run them (`prometheus`, `promtool`, `prometheus-alertmanager`,
`amtool`, installed by `make system-deps`), and servers started on free loopback ports and
stopped by their own PID.

Not a conftest: a second `conftest.py` would clash with `tests/conftest.py` under mypy.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml  # type: ignore[import-untyped]  # PyYAML comes with uvicorn[standard]
from helpers import retrying
from nginx_support import stop_process

REPO_ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = REPO_ROOT / "monitoring" / "prometheus"
PROMETHEUS_CONFIG = PROMETHEUS_DIR / "prometheus.yml"
RULE_FILES = sorted((PROMETHEUS_DIR / "alerts").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
ALERTMANAGER_DIR = REPO_ROOT / "monitoring" / "alertmanager"
RENDER_CONFIG = ALERTMANAGER_DIR / "render_config.py"
ALERT_SINK = ALERTMANAGER_DIR / "alert_sink.py"
ALERTS_DOC = REPO_ROOT / "docs" / "alerts.md"

START_TIMEOUT_SECONDS = 30.0


def debian_binary(name: str, package: str) -> Path:
    found = shutil.which(name)
    assert found, f"{name} is not installed: the Debian package {package} (`make system-deps`)"
    return Path(found)


def run(command: Sequence[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a process to its end, capturing its output; never raises on a non-zero exit."""
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def write_yaml(path: Path, document: Any) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def alert_rules() -> dict[str, dict[str, Any]]:
    """Every alerting rule of the project, by alert name."""
    return {
        rule["alert"]: rule
        for path in RULE_FILES
        for group in load_yaml(path)["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


def render_alertmanager_config(
    output: Path, settings: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """The project's renderer, run as Compose runs it, with only these settings set."""
    environment = {"PATH": os.environ["PATH"], **settings}
    return run([sys.executable, RENDER_CONFIG, "--output", output], env=environment)


@contextmanager
def server(
    command: Sequence[str | Path], *, ready_url: str, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process, its output in `log`, waited for until `ready_url` answers 200, then
    stopped by its PID."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(part) for part in command], stdout=output, stderr=subprocess.STDOUT
        )
    try:
        for attempt in retrying(START_TIMEOUT_SECONDS, on=httpx.HTTPError):
            with attempt:
                assert process.poll() is None, f"{command[0]} exited:\n{log.read_text()}"
                httpx.get(ready_url, timeout=2).raise_for_status()
        yield process
    finally:
        stop_process(process)
