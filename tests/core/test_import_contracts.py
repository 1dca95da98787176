"""The import contracts of `make lint` (server/pyproject.toml): no cycle between the app's
packages, checked on the real tree and shown to catch the users <-> auth cycle there was."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(pyproject: Path, *, package_root: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports reads the `app` package found from `package_root`, its working directory."""
    return subprocess.run(
        [LINT_IMPORTS, "--config", pyproject, "--no-cache"],
        cwd=package_root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture
def pyproject(repo_root: Path) -> Path:
    return repo_root / "server" / "pyproject.toml"


def test_the_apps_packages_import_each_other_without_cycles(
    repo_root: Path, pyproject: Path
) -> None:
    result = _lint_imports(pyproject, package_root=repo_root / "server")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_a_cycle_between_users_and_auth_breaks_the_contract(
    repo_root: Path, pyproject: Path, tmp_path: Path
) -> None:
    shutil.copytree(repo_root / "server" / "app", tmp_path / "app")
    users_service = tmp_path / "app" / "users" / "service.py"
    users_service.write_text(users_service.read_text() + "\nfrom app.auth import service\n")

    result = _lint_imports(pyproject, package_root=tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert ".users -> .auth" in result.stdout
