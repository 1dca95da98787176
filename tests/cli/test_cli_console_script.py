"""`order-system`: the console script that `[project.scripts]` installs beside the interpreter,
as it lands on PATH in the venv and in the backend image."""

import subprocess
import sys
from pathlib import Path


def test_the_order_system_command_is_installed_and_lists_every_command() -> None:
    script = Path(sys.executable).parent / "order-system"
    assert script.is_file(), f"{script} is missing: reinstall the project (make .venv/.installed)"
    result = subprocess.run(
        [script, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Usage: order-system [OPTIONS] COMMAND [ARGS]..." in result.stdout
    for command in (
        "create-user",
        "set-password",
        "seed-demo",
        "cleanup-orders",
        "cleanup-tokens",
        "stats",
    ):
        assert command in result.stdout
