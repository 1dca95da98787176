"""Every operator script: shellcheck finds nothing, bash runs it strictly, --help works, and a
wrong invocation is refused with a message."""

import subprocess

import pytest
from ops_support import SCRIPTS_DIR, SHELLCHECK, TOOLS_HINT, Toolbox, assert_usage_error, run_script

SCRIPTS = ("backup.sh", "cleanup.sh", "deploy.sh", "restore.sh")


def test_every_script_in_the_folder_is_shellcheck_clean() -> None:
    assert SHELLCHECK.exists(), TOOLS_HINT
    scripts = sorted(SCRIPTS_DIR.glob("*.sh"))
    assert {path.name for path in scripts} >= {*SCRIPTS, "lib.sh"}
    # -x follows `source lib.sh`; every severity counts, down to style.
    result = subprocess.run(
        [str(SHELLCHECK), "-x", "--severity=style", *map(str, scripts)],
        capture_output=True,
        text=True,
        check=False,
    )
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
