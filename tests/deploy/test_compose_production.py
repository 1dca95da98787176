"""docker-compose.production.yml as the real Compose parser resolves it with an operator's
complete `.env`, the monitoring profile included unless a test says otherwise."""

import ipaddress
from pathlib import Path
from typing import Any

import pytest
from deploy_support import (
    LOG_OPTIONS,
    PROD_COMPOSE,
    PRODUCTION_ENV,
    REPO_ROOT,
    assert_room_for_graceful_shutdown,
    compose_config,
    services,
    write_env_file,
)

from app.core.config import Settings

# The names the guides' commands use; the API and the SPA have none, so that `--scale` can
# run several of each (test_compose_validation.py).
CONTAINER_NAMES = {
    "db": "order_system_db_prod",
    "redis": "order_system_redis_prod",
    "nginx": "order_system_nginx_prod",
    "backup": "order_system_backup_prod",
    "prometheus": "order_system_prometheus_prod",
    "grafana": "order_system_grafana_prod",
    "node-exporter": "order_system_node_exporter_prod",
    "postgres-exporter": "order_system_postgres_exporter_prod",
    "redis-exporter": "order_system_redis_exporter_prod",
    "blackbox-exporter": "order_system_blackbox_exporter_prod",
    "alertmanager-config": "order_system_alertmanager_config_prod",
    "alertmanager": "order_system_alertmanager_prod",
    "alert-sink": "order_system_alert_sink_prod",
}
SCALED = ("backend", "frontend")
ALL_SERVICES = set(CONTAINER_NAMES) | set(SCALED)
MONITORING = {"prometheus", "grafana", "alertmanager-config", "alertmanager", "alert-sink"}
EXPORTERS = {"node-exporter", "postgres-exporter", "redis-exporter", "blackbox-exporter"}
PRIVATE = {"db", "redis", "backend", "backup"}
# Runs to its end before the services that need it, at each `up`: no restart, no healthcheck.
ONE_SHOT = {"alertmanager-config"}

Services = dict[str, dict[str, Any]]


def resolve(tmp_path: Path, profiles: tuple[str, ...], **extra: str) -> dict[str, Any]:
    env_file = write_env_file(tmp_path / "production.env", PRODUCTION_ENV | extra)
    return compose_config(PROD_COMPOSE, env_file, profiles=profiles)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return resolve(tmp_path_factory.mktemp("production"), ("monitoring",))


@pytest.fixture(scope="module")
def prod(model: dict[str, Any]) -> Services:
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


def test_every_service_but_the_api_and_the_spa_has_its_prod_container_name(
    prod: Services,
) -> None:
    names = {name: service.get("container_name") for name, service in prod.items()}
    assert names == CONTAINER_NAMES | dict.fromkeys(SCALED)


def test_every_service_restarts_unless_stopped(prod: Services) -> None:
    for name, service in prod.items():
        assert service["restart"] == ("no" if name in ONE_SHOT else "unless-stopped"), name


def test_every_service_rotates_its_logs(prod: Services) -> None:
    for name, service in prod.items():
        assert service["logging"] == {"driver": "json-file", "options": LOG_OPTIONS}, name


def test_every_service_has_a_healthcheck(prod: Services) -> None:
    for name, service in prod.items():
        if name in ONE_SHOT:
            continue
        healthcheck = service.get("healthcheck", {})
        assert healthcheck.get("test"), name
        assert not healthcheck.get("disable"), name
        assert healthcheck["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_every_service_has_cpu_and_memory_limits(prod: Services) -> None:
    for name, service in prod.items():
        limits = service["deploy"]["resources"]["limits"]
        assert float(limits["cpus"]) > 0, name
        assert int(limits["memory"]) >= 64 * 1024 * 1024, name


def test_only_nginx_is_published_to_the_world(prod: Services) -> None:
    published = {
        name: sorted((port.get("host_ip"), port["published"]) for port in service["ports"])
        for name, service in prod.items()
        if service.get("ports")
    }
    assert published == {
        "nginx": [(None, "443"), (None, "80")],
        "grafana": [("127.0.0.1", "3001")],
        "alertmanager": [("127.0.0.1", "9093")],
    }
    for name in PRIVATE | {"prometheus"}:
        assert "ports" not in prod[name], name


def test_the_database_redis_and_backend_have_no_route_outside(
    model: dict[str, Any], prod: Services
) -> None:
    assert model["networks"]["internal"].get("internal") is True
    for name in PRIVATE:
        assert set(prod[name]["networks"]) == {"internal"}, name
    assert set(prod["nginx"]["networks"]) == {"internal", "edge"}
    assert set(prod["frontend"]["networks"]) == {"edge"}
    assert "internal" in prod["prometheus"]["networks"]
    assert "internal" not in prod["grafana"]["networks"]


def test_the_backend_trusts_forwarded_headers_from_nginx_alone(
    model: dict[str, Any], prod: Services
) -> None:
    nginx_address = ipaddress.ip_address(prod["nginx"]["networks"]["internal"]["ipv4_address"])
    (ipam,) = model["networks"]["internal"]["ipam"]["config"]
    assert nginx_address in ipaddress.ip_network(ipam["subnet"])
    # Outside the range other containers get addresses from: none can take it first.
    assert nginx_address not in ipaddress.ip_network(ipam["ip_range"])
    assert prod["backend"]["environment"]["FORWARDED_ALLOW_IPS"] == str(nginx_address)


def test_the_backend_runs_in_production_with_every_setting_passed_through(
    prod: Services,
) -> None:
    environment = prod["backend"]["environment"]
    assert environment["ENVIRONMENT"] == "production"
    assert environment["DEBUG"] == "false"
    assert environment["POSTGRES_SERVER"] == "db"
    for name in ("POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"):
        assert environment[name] == prod["db"]["environment"][name], name
    # DATABASE_URL would override the parts above, so it is never passed; production never
    # makes up a key, so it has no use for DEV_SECRET_KEY_FILE.
    assert set(environment) >= set(Settings.model_fields) - {"DATABASE_URL", "DEV_SECRET_KEY_FILE"}
    assert "DATABASE_URL" not in environment
    for secret in ("SECRET_KEY", "FIRST_SUPERUSER_PASSWORD"):
        assert environment[secret] == PRODUCTION_ENV[secret]


def test_settings_left_unset_keep_the_app_defaults_and_set_ones_arrive(tmp_path: Path) -> None:
    backend = services(resolve(tmp_path, (), LOG_LEVEL="WARNING"))["backend"]
    assert backend["environment"]["LOG_LEVEL"] == "WARNING"
    assert backend["environment"]["ALGORITHM"] is None  # not set in the container at all


def test_the_backend_shares_the_login_throttle_through_redis(prod: Services) -> None:
    password = PRODUCTION_ENV["REDIS_PASSWORD"]
    assert prod["backend"]["environment"]["REDIS_URL"] == f"redis://:{password}@redis:6379/0"
    assert prod["backend"]["depends_on"]["redis"]["condition"] == "service_healthy"
    redis = prod["redis"]
    assert redis["image"] == "docker.io/library/redis:7.4-alpine"
    command = redis["command"]
    assert command[command.index("--requirepass") + 1] == password
    assert redis["environment"]["REDISCLI_AUTH"] == password


def test_the_backend_has_room_to_finish_requests_on_stop(prod: Services) -> None:
    backend = prod["backend"]
    assert_room_for_graceful_shutdown(backend)
    assert backend["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_backend_container_is_locked_down(prod: Services) -> None:
    backend = prod["backend"]
    assert backend["read_only"] is True
    assert "/tmp" in backend["tmpfs"]  # where the image keeps PROMETHEUS_MULTIPROC_DIR
    assert backend["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in backend["security_opt"]


def test_nginx_terminates_tls_with_the_production_config(prod: Services) -> None:
    nginx = prod["nginx"]
    assert nginx["image"] == "docker.io/library/nginx:1.30-alpine"
    assert bind_mounts(nginx) == {
        "/etc/nginx/conf.d/default.conf": ("nginx/nginx.production.conf", True),
        "/etc/nginx/snippets": ("nginx/snippets", True),
        # Run by the image's entrypoint: the resolver nginx finds the API and the SPA with.
        "/docker-entrypoint.d/15-resolver.sh": ("nginx/docker-entrypoint.d/15-resolver.sh", True),
        "/etc/nginx/ssl": ("nginx/ssl", True),
        "/var/www/certbot": ("certbot/www", True),
    }
    assert nginx["depends_on"]["backend"]["condition"] == "service_healthy"


def test_nginx_publishes_the_ports_or_addresses_the_operator_names(tmp_path: Path) -> None:
    nginx = services(
        resolve(tmp_path, (), NGINX_HTTP_PORT="127.0.0.1:8080", NGINX_HTTPS_PORT="192.0.2.10:8443")
    )["nginx"]
    published = sorted((p.get("host_ip"), p["published"], p["target"]) for p in nginx["ports"])
    assert published == [("127.0.0.1", "8080", 80), ("192.0.2.10", "8443", 443)]


def test_the_database_preloads_pg_stat_statements(prod: Services) -> None:
    # `postgres` first, so the image's entrypoint still initialises an empty data directory.
    assert prod["db"]["command"] == [
        "postgres",
        "-c",
        "shared_preload_libraries=pg_stat_statements",
    ]


def test_backups_run_the_backup_script_on_a_schedule(prod: Services) -> None:
    backup = prod["backup"]
    assert backup["image"] == prod["db"]["image"], "pg_dump of the server's own major version"
    script = " ".join(backup["command"])
    assert "/scripts/backup.sh --output-dir /backups --retention-days" in script
    assert "while" in script
    assert "sleep" in script
    assert bind_mounts(backup) == {
        "/scripts": ("cloud-deployment/scripts", True),
        "/backups": ("backups", False),
        "/metrics": ("backups/metrics", False),
    }
    environment = backup["environment"]
    assert environment["BACKUP_METRICS_FILE"] == "/metrics/order_system_backup.prom"
    assert environment["PGHOST"] == "db"
    assert environment["PGPASSWORD"] == PRODUCTION_ENV["POSTGRES_PASSWORD"]
    assert environment["BACKUP_RETENTION_DAYS"] == "14"
    assert backup["init"] is True, "so SIGTERM ends the sleep at once"
    assert backup["depends_on"]["db"]["condition"] == "service_healthy"


def test_monitoring_runs_only_with_its_profile(prod: Services, tmp_path: Path) -> None:
    for name in MONITORING | EXPORTERS:
        assert prod[name]["profiles"] == ["monitoring"], name
    without = services(resolve(tmp_path, ()))
    assert set(without) == ALL_SERVICES - MONITORING - EXPORTERS


def test_grafana_takes_its_admin_password_and_provisioning(prod: Services) -> None:
    grafana = prod["grafana"]
    environment = grafana["environment"]
    assert environment["GF_SECURITY_ADMIN_PASSWORD"] == PRODUCTION_ENV["GRAFANA_ADMIN_PASSWORD"]
    assert environment["GF_USERS_ALLOW_SIGN_UP"] == "false"
    assert environment["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert bind_mounts(grafana) == {
        "/etc/grafana/provisioning": ("monitoring/grafana/provisioning", True),
        "/etc/grafana/dashboards": ("monitoring/grafana/dashboards", True),
    }
    assert bind_mounts(prod["prometheus"]) == {
        "/etc/prometheus/prometheus.yml": ("monitoring/prometheus/prometheus.yml", True),
        "/etc/prometheus/alerts": ("monitoring/prometheus/alerts", True),
    }


def test_the_monitoring_files_it_mounts_exist(prod: Services) -> None:
    for name in MONITORING:
        for source, _ in bind_mounts(prod[name]).values():
            assert (REPO_ROOT / source).exists(), source
