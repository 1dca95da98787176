"""`make up` and `make prod-up` first check Docker Compose: the seed guides install Compose
2.20, which rejects docker-compose.yml's optional `env_file` (2.24 and later read it). An older
or missing Compose stops them with one line saying what is needed. `docker` here is a script
that answers `docker compose version --short` as the version under test would."""

import os
import subprocess
from pathlib import Path

import pytest
from deploy_support import REPO_ROOT


def compose_check(tmp_path: Path, version_script: str) -> subprocess.CompletedProcess[str]:
    docker = tmp_path / "docker"
    docker.write_text(f"#!/bin/sh\n{version_script}\n")
    docker.chmod(0o755)
    return subprocess.run(
        ["make", "--no-print-directory", "-s", "compose-check"],
        cwd=REPO_ROOT,
        env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("version", ["v2.24.0", "2.24.7", "2.40.3", "v5.0.1"])
def test_a_recent_enough_compose_passes(tmp_path: Path, version: str) -> None:
    result = compose_check(tmp_path, f"echo {version}")
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize("version", ["v2.20.2", "2.23.3", "1.29.2"])
def test_an_older_compose_stops_with_one_line(tmp_path: Path, version: str) -> None:
    result = compose_check(tmp_path, f"echo {version}")
    assert result.returncode != 0
    [line] = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert line == (
        f"Docker Compose {version.removeprefix('v')} is too old: "
        "the Compose files need 2.24.0 or newer"
    )


def test_no_compose_plugin_says_what_to_install(tmp_path: Path) -> None:
    result = compose_check(
        tmp_path, "echo \"docker: 'compose' is not a docker command.\" >&2; exit 1"
    )
    assert result.returncode != 0
    assert "Docker Compose v2 is missing: install Docker's compose plugin (2.24.0 or newer)" in (
        result.stderr
    )
