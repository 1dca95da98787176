"""Every operator script: shellcheck finds nothing, bash runs it strictly, --help works, and a
wrong invocation is refused with a message."""

import subprocess

import pytest
from ops_support import SCRIPTS_DIR, SHELLCHECK, TOOLS_HINT, Toolbox, assert_usage_error, run_script

# Every script in the folder but the library they source; a new one is covered as it lands.
SCRIPTS = tuple(sorted(path.name for path in SCRIPTS_DIR.glob("*.sh") if path.name != "lib.sh"))


def test_the_scripts_are_all_there() -> None:
    assert set(SCRIPTS) >= {"backup.sh", "cleanup.sh", "deploy.sh", "restore.sh"}
    assert (SCRIPTS_DIR / "lib.sh").exists()


def _shellcheck(*args: str) -> subprocess.CompletedProcess[str]:
    assert SHELLCHECK.exists(), TOOLS_HINT
    # Every severity counts, down to style.
    command = [str(SHELLCHECK), "--severity=style", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_every_script_in_the_folder_is_shellcheck_clean() -> None:
    # -x follows `source lib.sh`, as `make validate` runs it.
    result = _shellcheck("-x", *sorted(map(str, SCRIPTS_DIR.glob("*.sh"))))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_script_read_alone_is_shellcheck_clean(script: str) -> None:
    """As an editor checks one file, without following `source lib.sh`: no variable may look
    unused because only the library reads it (SC1091, "not following", is all it may say)."""
    result = _shellcheck("--exclude=SC1091", str(SCRIPTS_DIR / script))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_is_strict_executable_and_documented(
    script: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = SCRIPTS_DIR / script
    lines = path.read_text().splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in lines[:5]
    assert path.stat().st_mode & 0o111, f"{script} is not executable"

    toolbox = Toolbox(tmp_path_factory.mktemp("help"))
    for flag in ("-h", "--help"):
        outcome = run_script(script, flag, env=toolbox.env())
        assert outcome.code == 0, outcome.output
        assert outcome.stdout.startswith(f"Usage: {script}"), outcome.stdout
    assert toolbox.calls() == []


@pytest.mark.parametrize("script", SCRIPTS)
def test_an_unknown_option_is_refused(
    script: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    toolbox = Toolbox(tmp_path_factory.mktemp("flags"))
    outcome = run_script(script, "--no-such-flag", env=toolbox.env())
    assert outcome.code == 2, outcome.output
    assert_usage_error(outcome, f"{script}: error: unknown", "--no-such-flag")
    assert toolbox.calls() == []
