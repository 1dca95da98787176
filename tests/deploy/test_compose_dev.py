"""docker-compose.yml as the real Compose parser resolves it, with no `.env` at all."""

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest
from deploy_support import (
    DEV_COMPOSE,
    LOG_OPTIONS,
    REPO_ROOT,
    assert_room_for_graceful_shutdown,
    compose_config,
    load_yaml,
    services,
    write_env_file,
)
from helpers import TESTS_POSTGRES_MAJOR

from app.core.config import load_settings

# The names the guides' `docker exec` commands use; the API and the SPA have none, so that
# `--scale` can run several of each (test_compose_validation.py).
CONTAINER_NAMES = {
    "db": "order_system_db",
    "nginx": "order_system_nginx",
    "mailpit": "order_system_mailpit",
}
SCALED = ("backend", "frontend")
MAIL_SETTINGS = ("SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_FROM", "PUBLIC_URL")


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    env_file = write_env_file(tmp_path_factory.mktemp("dev") / "empty.env", {})
    return compose_config(DEV_COMPOSE, env_file)


@pytest.fixture(scope="module")
def dev(model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return services(model)


def bind_mounts(service: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """target -> (source relative to the repository, read-only)."""
    return {
        volume["target"]: (
            Path(volume["source"]).relative_to(REPO_ROOT).as_posix(),
            bool(volume.get("read_only")),
        )
        for volume in service.get("volumes", [])
        if volume["type"] == "bind"
    }


def test_it_runs_the_five_services_all_but_the_api_and_the_spa_under_fixed_names(
    dev: dict[str, dict[str, Any]],
) -> None:
    names = {name: service.get("container_name") for name, service in dev.items()}
    assert names == CONTAINER_NAMES | dict.fromkeys(SCALED)


def test_every_service_rotates_its_logs(dev: dict[str, dict[str, Any]]) -> None:
    for name, service in dev.items():
        assert service["logging"] == {"driver": "json-file", "options": LOG_OPTIONS}, name


def test_every_service_has_a_healthcheck(dev: dict[str, dict[str, Any]]) -> None:
    for name, service in dev.items():
        healthcheck = service.get("healthcheck", {})
        assert healthcheck.get("test"), name
        assert not healthcheck.get("disable"), name
        assert healthcheck["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_the_database_is_the_tests_postgres_major_on_a_named_volume(
    model: dict[str, Any], dev: dict[str, dict[str, Any]]
) -> None:
    db = dev["db"]
    match = re.fullmatch(r"docker\.io/library/postgres:(\d+)\.\d+-alpine", db["image"])
    assert match, db["image"]
    assert int(match.group(1)) == TESTS_POSTGRES_MAJOR
    # Where the image of 18 and later keeps a directory per major.
    volumes = [(v["type"], v["source"], v["target"]) for v in db["volumes"]]
    assert volumes == [("volume", "postgres_data", "/var/lib/postgresql")]
    assert "postgres_data" in model["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_the_database_preloads_pg_stat_statements(dev: dict[str, dict[str, Any]]) -> None:
    # `postgres` first, so the image's entrypoint still initialises an empty data directory.
    assert dev["db"]["command"] == [
        "postgres",
        "-c",
        "shared_preload_libraries=pg_stat_statements",
    ]


def test_the_backend_is_built_from_server_and_waits_for_a_healthy_database(
    dev: dict[str, dict[str, Any]],
) -> None:
    backend = dev["backend"]
    assert backend["build"]["context"] == str(REPO_ROOT / "server")
    assert backend["depends_on"]["db"]["condition"] == "service_healthy"
    environment = backend["environment"]
    assert environment["POSTGRES_SERVER"] == "db"
    for name in ("POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"):
        assert environment[name] == dev["db"]["environment"][name], name
    assert environment["API_PORT"] == "8000"


def test_the_backend_logs_json_lines_unless_told_otherwise(
    dev: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    assert dev["backend"]["environment"]["LOG_FORMAT"] == "json"
    env_file = write_env_file(tmp_path / "console.env", {"LOG_FORMAT": "console"})
    backend = services(compose_config(DEV_COMPOSE, env_file))["backend"]
    assert backend["environment"]["LOG_FORMAT"] == "console"


def test_the_backend_reads_dot_env_when_there_is_one() -> None:
    raw = load_yaml(DEV_COMPOSE)
    assert raw["services"]["backend"]["env_file"] == [{"path": ".env", "required": False}]


def test_the_frontend_is_built_from_front(dev: dict[str, dict[str, Any]]) -> None:
    assert dev["frontend"]["build"]["context"] == str(REPO_ROOT / "front")


def test_nginx_serves_port_80_with_the_repository_config(
    dev: dict[str, dict[str, Any]],
) -> None:
    nginx = dev["nginx"]
    assert nginx["image"] == "docker.io/library/nginx:1.30-alpine"
    assert [(p.get("host_ip"), p["target"], p["published"]) for p in nginx["ports"]] == [
        (None, 80, "80")
    ]
    assert bind_mounts(nginx) == {
        "/etc/nginx/conf.d/default.conf": ("nginx.conf", True),
        "/etc/nginx/snippets": ("nginx/snippets", True),
        # Run by the image's entrypoint: the resolver nginx finds the API and the SPA with.
        "/docker-entrypoint.d/15-resolver.sh": ("nginx/docker-entrypoint.d/15-resolver.sh", True),
    }
    assert nginx["depends_on"]["backend"]["condition"] == "service_healthy"


@pytest.mark.parametrize(
    ("setting", "published"),
    [("8080", (None, "8080")), ("127.0.0.1:8080", ("127.0.0.1", "8080"))],
    ids=["port", "address-and-port"],
)
def test_nginx_publishes_the_port_or_address_nginx_http_port_names(
    tmp_path: Path, setting: str, published: tuple[str | None, str]
) -> None:
    env_file = write_env_file(tmp_path / "port.env", {"NGINX_HTTP_PORT": setting})
    nginx = services(compose_config(DEV_COMPOSE, env_file))["nginx"]
    assert [(p.get("host_ip"), p["published"], p["target"]) for p in nginx["ports"]] == [
        (*published, 80)
    ]


def test_only_nginx_and_the_mail_catchers_ui_on_loopback_publish_a_port(
    dev: dict[str, dict[str, Any]],
) -> None:
    assert sorted(name for name, service in dev.items() if service.get("ports")) == [
        "mailpit",
        "nginx",
    ]
    # Reset links are read there: never on an address other machines reach.
    assert [(p["host_ip"], p["target"], p["published"]) for p in dev["mailpit"]["ports"]] == [
        ("127.0.0.1", 8025, "8025")
    ]


def test_the_backend_mails_the_catcher_and_links_to_the_site_unless_told_otherwise(
    dev: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    assert dev["mailpit"]["image"] == "docker.io/axllent/mailpit:v1.27"
    environment = dev["backend"]["environment"]
    assert {name: environment[name] for name in MAIL_SETTINGS} == {
        "SMTP_HOST": "mailpit",
        "SMTP_PORT": "1025",
        "SMTP_SECURITY": "none",
        "SMTP_FROM": "order_system <no-reply@localhost>",
        "PUBLIC_URL": "http://localhost",
    }
    # Valid development settings, with mail on.
    settings = load_settings(**{name: environment[name] for name in MAIL_SETTINGS})
    assert settings.email_enabled
    assert settings.public_url == "http://localhost"

    own_server = {
        "SMTP_HOST": "smtp.mail.example",
        "SMTP_PORT": "465",
        "SMTP_SECURITY": "ssl",
        "SMTP_FROM": "Shop <no-reply@shop.example>",
        "PUBLIC_URL": "http://127.0.0.1:8080",
    }
    env_file = write_env_file(tmp_path / "mail.env", {**own_server, "MAILPIT_PORT": "18025"})
    configured = services(compose_config(DEV_COMPOSE, env_file))
    assert {name: configured["backend"]["environment"][name] for name in MAIL_SETTINGS} == (
        own_server
    )
    assert [p["published"] for p in configured["mailpit"]["ports"]] == ["18025"]


def test_the_database_and_backend_live_on_the_internal_network(
    model: dict[str, Any], dev: dict[str, dict[str, Any]]
) -> None:
    assert model["networks"]["internal"].get("internal") is True
    assert set(dev["db"]["networks"]) == {"internal"}
    assert set(dev["backend"]["networks"]) == {"internal"}
    assert set(dev["nginx"]["networks"]) == {"internal", "edge"}
    # The API reaches the catcher's SMTP port; the edge network lets its UI be published.
    assert set(dev["mailpit"]["networks"]) == {"internal", "edge"}
    assert "internal" not in dev["frontend"]["networks"]


def test_the_backend_has_room_to_finish_requests_on_stop(dev: dict[str, dict[str, Any]]) -> None:
    assert_room_for_graceful_shutdown(dev["backend"])


def test_no_container_can_take_the_address_the_backend_trusts(
    model: dict[str, Any], dev: dict[str, dict[str, Any]]
) -> None:
    nginx_address = ipaddress.ip_address(dev["nginx"]["networks"]["internal"]["ipv4_address"])
    (ipam,) = model["networks"]["internal"]["ipam"]["config"]
    assert nginx_address in ipaddress.ip_network(ipam["subnet"])
    # Mailpit, the database and the API get addresses from this range, stack after stack.
    assert nginx_address not in ipaddress.ip_network(ipam["ip_range"])
    assert dev["backend"]["environment"]["FORWARDED_ALLOW_IPS"] == str(nginx_address)
