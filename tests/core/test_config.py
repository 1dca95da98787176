import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
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


MAIL = {
    "SMTP_HOST": "smtp.mail.example",
    "SMTP_FROM": "Shop <no-reply@shop.example>",
    "PUBLIC_URL": "https://shop.example",
}


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1"])
def test_production_sends_mail_in_the_clear_only_to_a_relay_on_its_host(host: str) -> None:
    settings = _production(**{**MAIL, "SMTP_HOST": host, "SMTP_SECURITY": "none"})
    assert settings.email_enabled


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"SMTP_SECURITY": "none"}, "SMTP_SECURITY"),
        ({"SMTP_SECURITY": "none", "SMTP_HOST": "127.0.0.1.mail.example"}, "SMTP_SECURITY"),
        ({"PUBLIC_URL": None}, "PUBLIC_URL"),
        ({"SMTP_FROM": None}, "SMTP_FROM"),
        ({"SMTP_USERNAME": "shop"}, "SMTP_USERNAME, SMTP_PASSWORD"),
    ],
)
def test_production_refuses_unsafe_or_incomplete_mail_settings(
    overrides: dict[str, Any], variable: str
) -> None:
    problems = _production_problems(**{**MAIL, **overrides})
    assert [problem.split(":")[0] for problem in problems] == [variable]


def test_mail_is_off_without_an_smtp_host_and_its_links_go_to_the_dev_spa() -> None:
    settings = load_settings(_env_file=None)
    assert not settings.email_enabled
    assert settings.SMTP_PORT == 587
    assert settings.SMTP_SECURITY == "starttls"
    assert settings.PASSWORD_RESET_TOKEN_MINUTES == 30
    assert settings.public_url == "http://127.0.0.1:3000"
    assert load_settings(_env_file=None, PUBLIC_URL="https://shop.example/").public_url == (
        "https://shop.example"
    )


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


# The old .env.example's key, and keys and passwords from the guides this project began from.
PUBLISHED_PLACEHOLDERS = [
    "replace-with-output-of-openssl-rand-hex-32",
    "your-secret-key-change-in-production",
    "your-secret-key-here",
    "your_jwt_secret_key",
    "Your-Secret-Key",
]


def _refused(environment: str, **overrides: Any) -> SettingsError:
    """What loading good settings with these overrides in `environment` refuses."""
    values = {"SECRET_KEY": GOOD_SECRET, "FIRST_SUPERUSER_PASSWORD": GOOD_PASSWORD, **overrides}
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None, ENVIRONMENT=environment, **values)
    return raised.value


@pytest.mark.parametrize("environment", ["development", "test", "production"])
@pytest.mark.parametrize("placeholder", PUBLISHED_PLACEHOLDERS)
def test_every_environment_refuses_a_published_secret_key(
    environment: str, placeholder: str
) -> None:
    refused = _refused(environment, SECRET_KEY=placeholder)
    assert len(refused.problems) == 1
    assert refused.problems[0].startswith("SECRET_KEY: is a placeholder published")
    assert placeholder not in str(refused)


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_every_environment_refuses_a_published_superuser_password(environment: str) -> None:
    refused = _refused(environment, FIRST_SUPERUSER_PASSWORD="your-password")
    assert [problem.split(":")[0] for problem in refused.problems] == ["FIRST_SUPERUSER_PASSWORD"]


SECRET_PASSWORD = "Zq7-Kr4t-Vw9x-" * 6  # 84 bytes: more than bcrypt reads


def assert_not_echoed(secret: str, text: str) -> None:
    """Neither the secret nor any 6 characters of it appear in `text`."""
    pieces = {secret[start : start + 6] for start in range(len(secret) - 5)}
    assert not any(piece in text for piece in pieces), text


@pytest.mark.parametrize("environment", ["development", "production"])
@pytest.mark.parametrize(
    ("password", "rule"),
    [(SECRET_PASSWORD, "at most 72 bytes"), ("Zq7-Kr4", "at least 8 characters")],
)
def test_the_superuser_password_follows_every_passwords_rules_unechoed(
    environment: str, password: str, rule: str
) -> None:
    refused = _refused(environment, FIRST_SUPERUSER_PASSWORD=password)
    message = str(refused)
    assert refused.problems[0].startswith("FIRST_SUPERUSER_PASSWORD:")
    assert rule in message
    assert_not_echoed(password, message)


def _run_entrypoint(
    entrypoint: list[str], workdir: Path, **settings: str
) -> "subprocess.CompletedProcess[str]":
    """`python ENTRYPOINT` with these settings and none of ours, in `workdir` (no `.env`)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in Settings.model_fields and key != "DATABASE_URL"
    }
    environment.update(settings)
    return subprocess.run(
        [sys.executable, *entrypoint],
        cwd=workdir,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_prestart_refuses_a_superuser_password_bcrypt_cant_take_without_echoing_it(
    tmp_path: Path,
) -> None:
    result = _run_entrypoint(
        ["-m", "app.prestart"],
        tmp_path,
        ENVIRONMENT="development",
        FIRST_SUPERUSER_PASSWORD=SECRET_PASSWORD,
    )
    assert result.returncode == 1
    assert "FIRST_SUPERUSER_PASSWORD: Password must be at most 72 bytes" in result.stderr
    assert_not_echoed(SECRET_PASSWORD, result.stdout + result.stderr)


def test_development_keeps_the_key_it_makes_up_in_dev_secret_key_file(tmp_path: Path) -> None:
    key_file = tmp_path / "data" / "secret_key"
    first = load_settings(_env_file=None, ENVIRONMENT="development", DEV_SECRET_KEY_FILE=key_file)
    again = load_settings(_env_file=None, ENVIRONMENT="development", DEV_SECRET_KEY_FILE=key_file)

    key = first.SECRET_KEY.get_secret_value()
    assert len(key) >= 32
    assert again.SECRET_KEY.get_secret_value() == key
    assert key_file.read_text() == key
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_workers_starting_together_agree_on_one_kept_key(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    start = threading.Barrier(8)

    def load() -> str:
        start.wait()
        settings = load_settings(
            _env_file=None, ENVIRONMENT="development", DEV_SECRET_KEY_FILE=key_file
        )
        return settings.SECRET_KEY.get_secret_value()

    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: load(), range(8)))

    assert keys == {key_file.read_text()}
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]


def test_only_development_makes_up_a_key_to_keep(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    settings = load_settings(_env_file=None, ENVIRONMENT="test", DEV_SECRET_KEY_FILE=key_file)
    assert settings.SECRET_KEY.get_secret_value()
    assert not key_file.exists()
    with pytest.raises(SettingsError) as raised:
        load_settings(
            _env_file=None,
            ENVIRONMENT="production",
            DEV_SECRET_KEY_FILE=key_file,
            FIRST_SUPERUSER_PASSWORD=GOOD_PASSWORD,
        )
    assert raised.value.problems[0].startswith("SECRET_KEY: must be set")
    assert not key_file.exists()


def test_a_malformed_value_is_named_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None, ACCESS_TOKEN_EXPIRE_MINUTES="soon-ish")
    assert raised.value.problems[0].startswith("ACCESS_TOKEN_EXPIRE_MINUTES:")
    assert "soon-ish" not in str(raised.value)


def test_the_shop_defaults_to_yuan_on_shanghai_time() -> None:
    settings = load_settings(_env_file=None)
    assert (settings.CURRENCY, settings.BUSINESS_TIMEZONE) == ("CNY", "Asia/Shanghai")
    assert settings.business_timezone.key == "Asia/Shanghai"


def test_the_shop_takes_any_iso_currency_and_iana_time_zone() -> None:
    settings = load_settings(_env_file=None, CURRENCY="EUR", BUSINESS_TIMEZONE="Europe/Paris")
    assert (settings.CURRENCY, settings.BUSINESS_TIMEZONE) == ("EUR", "Europe/Paris")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CURRENCY", "RMB"),
        ("CURRENCY", "cny"),
        ("CURRENCY", ""),
        ("BUSINESS_TIMEZONE", "Asia/Beijing"),
        ("BUSINESS_TIMEZONE", "../../etc/passwd"),
        ("BUSINESS_TIMEZONE", ""),
    ],
)
def test_an_unknown_currency_or_time_zone_is_refused_by_name(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None, **{variable: value})
    assert [problem.split(":")[0] for problem in raised.value.problems] == [variable]


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
    result = _run_entrypoint(
        entrypoint,
        tmp_path,
        ENVIRONMENT="production",
        SECRET_KEY="tooshort-secret-value",
        FIRST_SUPERUSER_PASSWORD="admin123",
        DEBUG="true",
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
