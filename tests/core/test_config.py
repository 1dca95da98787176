import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML comes with uvicorn[standard]
from sqlalchemy.engine import make_url

from app.core.config import Settings, SettingsError, load_settings

GOOD_SECRET = "k" * 48
GOOD_PASSWORD = "a-long-superuser-password"


def _production(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ENVIRONMENT": "production",
        "SECRET_KEY": GOOD_SECRET,
        "FIRST_SUPERUSER_PASSWORD": GOOD_PASSWORD,
        **overrides,
    }
    return load_settings(_env_file=None, **values)


def _production_problems(**overrides: Any) -> list[str]:
    with pytest.raises(SettingsError) as raised:
        _production(**overrides)
    return raised.value.problems


def test_production_accepts_strong_settings() -> None:
    settings = _production()
    assert settings.is_production
    assert settings.log_format == "json"


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"SECRET_KEY": "changethis"}, "SECRET_KEY"),
        ({"SECRET_KEY": "your_jwt_secret_key"}, "SECRET_KEY"),
        ({"SECRET_KEY": "s" * 31}, "SECRET_KEY"),
        ({"FIRST_SUPERUSER_PASSWORD": "admin123"}, "FIRST_SUPERUSER_PASSWORD"),
        ({"FIRST_SUPERUSER_PASSWORD": "short-pass1"}, "FIRST_SUPERUSER_PASSWORD"),
        ({"DEBUG": True}, "DEBUG"),
    ],
)
def test_production_refuses_each_unsafe_variable(overrides: dict[str, Any], variable: str) -> None:
    problems = _production_problems(**overrides)
    assert len(problems) == 1
    assert problems[0].startswith(f"{variable}:")


def test_production_refuses_a_missing_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(SettingsError) as raised:
        load_settings(
            _env_file=None, ENVIRONMENT="production", FIRST_SUPERUSER_PASSWORD=GOOD_PASSWORD
        )
    assert raised.value.problems == [
        "SECRET_KEY: must be set (generate one with `openssl rand -hex 32`)"
    ]


def test_production_names_every_bad_variable_at_once() -> None:
    problems = _production_problems(
        SECRET_KEY="short", FIRST_SUPERUSER_PASSWORD="admin123", DEBUG=True
    )
    assert [problem.split(":")[0] for problem in problems] == [
        "SECRET_KEY",
        "FIRST_SUPERUSER_PASSWORD",
        "DEBUG",
    ]


def test_development_allows_the_dev_defaults() -> None:
    settings = load_settings(_env_file=None, ENVIRONMENT="development")
    assert settings.FIRST_SUPERUSER == "superAdmin"
    assert settings.FIRST_SUPERUSER_PASSWORD.get_secret_value() == "admin123"
    assert settings.log_format == "text"


def test_a_malformed_value_is_named_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None, ACCESS_TOKEN_EXPIRE_MINUTES="soon-ish")
    assert raised.value.problems[0].startswith("ACCESS_TOKEN_EXPIRE_MINUTES:")
    assert "soon-ish" not in str(raised.value)


def test_database_url_is_composed_from_postgres_variables() -> None:
    settings = load_settings(
        _env_file=None,
        POSTGRES_SERVER="db",
        POSTGRES_PORT=6543,
        POSTGRES_DB="shop",
        POSTGRES_USER="app",
        POSTGRES_PASSWORD="p@ss:w/rd",
    )
    url = settings.database_url
    assert url.drivername == "postgresql+asyncpg"
    assert (url.host, url.port, url.database, url.username) == ("db", 6543, "shop", "app")
    assert url.password == "p@ss:w/rd"
    assert make_url(url.render_as_string(hide_password=False)).password == "p@ss:w/rd"


def test_a_plain_postgresql_url_gets_the_asyncpg_driver() -> None:
    settings = load_settings(_env_file=None, DATABASE_URL="postgresql://u:pw@db:5432/order_system")
    assert settings.database_url.drivername == "postgresql+asyncpg"
    assert settings.database_url.host == "db"


@pytest.mark.parametrize(
    "raw",
    [
        "https://shop.example.com, http://localhost:3000",
        '["https://shop.example.com", "http://localhost:3000"]',
    ],
)
def test_cors_origins_accept_a_list_or_comma_separated_text(raw: str) -> None:
    settings = load_settings(_env_file=None, BACKEND_CORS_ORIGINS=raw)
    assert settings.cors_origins == ["https://shop.example.com", "http://localhost:3000"]


def test_cors_is_closed_by_default() -> None:
    assert load_settings(_env_file=None).cors_origins == []


@pytest.mark.parametrize(
    "entrypoint",
    [["-c", "import app.main"], ["-m", "app.prestart"]],
    ids=["server", "prestart"],
)
def test_entrypoints_refuse_production_with_one_line_per_bad_variable(
    entrypoint: list[str], tmp_path: Path
) -> None:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in Settings.model_fields and key != "DATABASE_URL"
    }
    environment.update(
        ENVIRONMENT="production",
        SECRET_KEY="tooshort-secret-value",
        FIRST_SUPERUSER_PASSWORD="admin123",
        DEBUG="true",
    )
    # Run from an empty directory so no `.env` is read.
    result = subprocess.run(
        [sys.executable, *entrypoint],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line.strip() for line in result.stderr.splitlines()]
    assert lines[0] == "Invalid configuration, refusing to start:"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "SECRET_KEY",
        "FIRST_SUPERUSER_PASSWORD",
        "DEBUG",
    ]
    assert "tooshort-secret-value" not in result.stderr
    assert "admin123" not in result.stderr


def _example_variables(path: Path) -> dict[str, str]:
    """Every `NAME=value` in .env.example, commented out or not."""
    variables = {}
    for line in path.read_text().splitlines():
        match = re.fullmatch(r"#? ?([A-Z][A-Z0-9_]*)=(.*)", line)
        if match:
            variables[match.group(1)] = match.group(2)
    return variables


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for value in node.values() for text in _strings(value)]
    if isinstance(node, list):
        return [text for item in node for text in _strings(item)]
    return []


def _compose_variables(path: Path) -> set[str]:
    """What a Compose file takes from `.env`: `${NAME...}` and `$NAME` in its values (not the
    container's own `$$NAME`), and bare `NAME:` entries of an `environment` mapping."""
    document = yaml.safe_load(path.read_text())
    variables = set()
    for text in _strings(document):
        for braced, bare in re.findall(
            r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))", text.replace("$$", "")
        ):
            variables.add(braced or bare)
    for service in document["services"].values():
        environment = service.get("environment") or {}
        if isinstance(environment, dict):
            variables |= {name for name, value in environment.items() if value is None}
    return variables


def test_env_example_lists_every_setting(repo_root: Path) -> None:
    assert set(Settings.model_fields) <= set(_example_variables(repo_root / ".env.example"))


@pytest.mark.parametrize("compose_file", ["docker-compose.yml", "docker-compose.production.yml"])
def test_env_example_lists_every_variable_of_the_compose_files(
    repo_root: Path, compose_file: str
) -> None:
    variables = _compose_variables(repo_root / compose_file)
    assert variables, "no variable found: the scan is broken"
    missing = variables - set(_example_variables(repo_root / ".env.example"))
    assert not missing, f"{compose_file} uses variables .env.example does not list: {missing}"


def test_production_refuses_the_env_example_as_it_stands(repo_root: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=repo_root / ".env.example", ENVIRONMENT="production")
    assert [problem.split(":")[0] for problem in raised.value.problems] == [
        "SECRET_KEY",
        "FIRST_SUPERUSER_PASSWORD",
    ]
