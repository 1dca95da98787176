"""`make preflight`, the first thing `make dev` and `make test` run: it names what the machine
lacks (Python and python3-venv, Node.js, npm), each with its fix, and lets a ready one pass.
Likewise `make validate-terraform`, the one check that needs a binary no registry ships."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PREFLIGHT = REPO_ROOT / "server" / "devtools" / "preflight.sh"
SHELLCHECK = REPO_ROOT / ".venv-tools" / "bin" / "shellcheck"
NODESOURCE = "curl -fsSL https://deb.nodesource.com/setup_22.x | sudo -E bash -"


def _fake_tool(directory: Path, name: str, script: str) -> None:
    tool = directory / name
    tool.write_text(f"#!/bin/sh\n{script}\n")
    tool.chmod(0o755)


# What an enclosing `make test` passes down: its sub-makes would print "Entering directory".
OUTER_MAKE = {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}


def _run(*command: str | Path, path: str) -> subprocess.CompletedProcess[str]:
    """`command` in the repository as a developer's shell runs it, with this PATH."""
    environment = {key: value for key, value in os.environ.items() if key not in OUTER_MAKE}
    return subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=environment | {"PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_this_machine_passes() -> None:
    result = _run("make", "preflight", path=os.environ["PATH"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == result.stderr == ""


@pytest.mark.parametrize("target", ["dev", "test"])
def test_dev_and_test_run_the_preflight_before_anything_else(target: str) -> None:
    planned = _run("make", "--dry-run", target, path=os.environ["PATH"]).stdout.splitlines()
    script = PREFLIGHT.relative_to(REPO_ROOT)
    assert planned[:2] == [f"{script} python", f"{script} node"]


def test_an_old_node_stops_make_dev_with_the_fix(tmp_path: Path) -> None:
    _fake_tool(tmp_path, "node", "echo v18.19.0")
    result = _run("make", "dev", path=f"{tmp_path}:{os.environ['PATH']}")
    assert result.returncode == 2
    assert "Node.js is 18.19.0; the SPA needs 20.19 or newer: " + NODESOURCE in result.stderr
    assert "preflight-node] Error 1" in result.stderr
    # Nothing else ran: no install, no server.
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("python3", "message"),
    [
        (
            "echo 3.10.12",
            "python3 is 3.10.12; the project needs 3.11 or newer: sudo apt-get install python3"
            " (Debian 12, Ubuntu 24.04), or pyenv install 3.11",
        ),
        (
            # Debian's python3 without python3-venv: no ensurepip module.
            'case "$*" in *ensurepip*) exit 1;; *) echo 3.11.2;; esac',
            "python3 3.11.2 can't make virtualenvs (no ensurepip): "
            "sudo apt-get install python3-venv",
        ),
    ],
    ids=["too-old", "no-venv"],
)
def test_a_python_that_cannot_make_the_venv_is_named_with_its_fix(
    tmp_path: Path, python3: str, message: str
) -> None:
    _fake_tool(tmp_path, "python3", python3)
    result = _run(PREFLIGHT, "python", path=f"{tmp_path}:{os.environ['PATH']}")
    assert result.returncode == 1
    assert result.stderr == f"Missing before this can run:\n  - {message}\n"


def test_everything_missing_is_named_at_once(tmp_path: Path) -> None:
    # A PATH with the few commands the check itself uses, a good Python, and no Node.js.
    for tool in ("bash", "dirname", "sed", "sort", "head"):
        found = shutil.which(tool)
        assert found is not None, tool
        (tmp_path / tool).symlink_to(found)
    (tmp_path / "python3").symlink_to(sys.executable)
    result = _run(PREFLIGHT, "python", "node", path=str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Missing before this can run:",
        f"  - Node.js is missing (version 20.19 or newer): {NODESOURCE}"
        " && sudo apt-get install -y nodejs",
        "  - npm is missing: sudo apt-get install npm (NodeSource's nodejs includes it)",
    ]


def test_make_validate_terraform_says_what_it_needs_when_terraform_is_missing() -> None:
    without_terraform = os.pathsep.join(
        directory
        for directory in os.environ["PATH"].split(os.pathsep)
        if not (Path(directory) / "terraform").exists()
    )
    result = _run("make", "validate-terraform", path=without_terraform)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "make validate-terraform needs terraform on PATH" in result.stderr


def test_the_preflight_script_is_shellcheck_clean() -> None:
    assert SHELLCHECK.exists(), "shellcheck is missing: make .venv-tools/.installed"
    result = subprocess.run(
        [SHELLCHECK, PREFLIGHT], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout
