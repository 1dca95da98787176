"""The monitoring profile's files agree with the Compose model they run in: Prometheus scrapes
the backend and the exporters where they listen, Grafana finds Prometheus, its data source and
its dashboards, Prometheus loads its rules and reaches Alertmanager, which reads its rendered
configuration and reaches the alert sink. (The API dashboard's metric names are checked against
a running API in test_dockerfile_runtime; the exporters' dashboards against real exporters in
tests/ops/test_ops_exporters.py.)"""

import json
import re
import runpy
import shutil
import subprocess
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
from deploy_support import (
    ENV_EXAMPLE,
    MONITORING_DIR,
    PROD_COMPOSE,
    PRODUCTION_ENV,
    REPO_ROOT,
    compose_config,
    load_yaml,
    services,
    write_env_file,
)

PROMETHEUS_CONFIG = MONITORING_DIR / "prometheus" / "prometheus.yml"
PROVISIONING = MONITORING_DIR / "grafana" / "provisioning"
DASHBOARD = MONITORING_DIR / "grafana" / "dashboards" / "order_system_api.json"
BLACKBOX_CONFIG = MONITORING_DIR / "blackbox" / "blackbox.yml"
EXPORTER_ROLE_SCRIPT = MONITORING_DIR / "postgres" / "postgres-exporter-role.sh"
# Evaluated against real exporters in tests/ops/test_ops_exporters.py.
EXPORTER_DASHBOARDS = tuple(
    DASHBOARD.parent / f"order_system_{area}.json" for area in ("host", "postgresql", "redis")
)
# The scrape job of each exporter (the names the alert rules use) and its Compose service.
EXPORTER_JOBS = {
    "node": "node-exporter",
    "postgres": "postgres-exporter",
    "redis": "redis-exporter",
}
ALERTMANAGER_DIR = MONITORING_DIR / "alertmanager"

Services = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Services:
    env_file = write_env_file(tmp_path_factory.mktemp("monitoring") / "prod.env", PRODUCTION_ENV)
    return services(compose_config(PROD_COMPOSE, env_file, profiles=["monitoring"]))


def share_a_network(first: dict[str, Any], second: dict[str, Any]) -> bool:
    return bool(set(first["networks"]) & set(second["networks"]))


def scrape_job(name: str) -> dict[str, Any]:
    (job,) = [
        job for job in load_yaml(PROMETHEUS_CONFIG)["scrape_configs"] if job["job_name"] == name
    ]
    found: dict[str, Any] = job
    return found


def static_target(job: dict[str, Any]) -> str:
    (config,) = job["static_configs"]
    (target,) = config["targets"]
    found: str = target
    return found


def healthcheck_port(service: dict[str, Any]) -> int:
    """The port the service's own healthcheck finds it listening on, inside its container."""
    test: list[str] = service["healthcheck"]["test"]
    (url,) = [part for part in test if part.startswith("http://")]
    port = urlsplit(url).port
    assert port is not None, url
    return port


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    environment: dict[str, str] = service["environment"]
    return environment


def dashboards() -> dict[Path, dict[str, Any]]:
    """Every dashboard Grafana provisions, by file."""
    return {path: json.loads(path.read_text()) for path in sorted(DASHBOARD.parent.glob("*.json"))}


def dashboard_targets(dashboard_file: Path = DASHBOARD) -> list[dict[str, Any]]:
    dashboard = json.loads(dashboard_file.read_text())
    return [target for panel in dashboard["panels"] for target in panel["targets"]]


def test_prometheus_scrapes_every_backend_replica_on_the_internal_network(prod: Services) -> None:
    config = load_yaml(PROMETHEUS_CONFIG)
    (backend_job,) = [job for job in config["scrape_configs"] if job["job_name"] == "backend"]
    assert backend_job.get("metrics_path", "/metrics") == "/metrics"
    # Every replica of the service, found by its name in the engine's DNS.
    assert "static_configs" not in backend_job
    (discovery,) = backend_job["dns_sd_configs"]
    assert (discovery["names"], discovery["type"]) == (["backend"], "A")
    assert str(discovery["port"]) == prod["backend"]["environment"]["API_PORT"]
    assert share_a_network(prod["prometheus"], prod["backend"])
    assert prod["backend"]["networks"].keys() == {"internal"}


def test_grafana_reaches_prometheus_through_its_provisioned_datasource(prod: Services) -> None:
    (datasource,) = load_yaml(PROVISIONING / "datasources" / "prometheus.yml")["datasources"]
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090"
    assert share_a_network(prod["grafana"], prod["prometheus"])
    for dashboard_file, dashboard in dashboards().items():
        uids = {target["datasource"]["uid"] for target in dashboard_targets(dashboard_file)}
        uids |= {variable["datasource"]["uid"] for variable in dashboard["templating"]["list"]}
        assert uids == {datasource["uid"]}, dashboard_file.name


def test_grafana_loads_the_dashboard_directory_it_mounts(prod: Services) -> None:
    (provider,) = load_yaml(PROVISIONING / "dashboards" / "order_system.yml")["providers"]
    mounted = {volume["target"]: Path(volume["source"]) for volume in prod["grafana"]["volumes"]}
    directory = mounted[provider["options"]["path"]]
    assert directory == DASHBOARD.parent
    assert DASHBOARD in directory.glob("*.json")


def test_the_dashboard_shows_rate_errors_and_latency_by_handler() -> None:
    queries = [target["expr"] for target in dashboard_targets()]

    def uses(*fragments: str) -> bool:
        return any(all(fragment in query for fragment in fragments) for query in queries)

    assert uses("sum by (handler)", "rate(http_requests_total")
    assert uses("by (handler", "http_requests_total", 'status=~"5..')
    for quantile in ("0.5", "0.99"):
        assert uses(f"histogram_quantile({quantile}", "by (handler, le)", "http_request_duration")


def test_every_dashboard_is_valid_grafana_json() -> None:
    found = dashboards()
    assert {DASHBOARD, *EXPORTER_DASHBOARDS} <= set(found)
    uids = [dashboard["uid"] for dashboard in found.values()]
    assert len(uids) == len(set(uids))
    for dashboard_file, dashboard in found.items():
        assert dashboard["uid"], dashboard_file.name
        assert dashboard["title"], dashboard_file.name
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), dashboard_file.name
        for panel in dashboard["panels"]:
            assert panel["type"] in {"timeseries", "stat"}, dashboard_file.name
            assert {"h", "w", "x", "y"} <= set(panel["gridPos"]), dashboard_file.name
            assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]


def test_the_exporters_dashboards_cover_their_areas() -> None:
    def queries(dashboard_file: Path) -> str:
        return "\n".join(target["expr"] for target in dashboard_targets(dashboard_file))

    host, postgresql, redis = (queries(path) for path in EXPORTER_DASHBOARDS)
    for metric in ("node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "node_load1"):
        assert f'{metric}{{job="node"' in host, metric
    assert 'probe_ssl_earliest_cert_expiry{job="blackbox"}' in host
    assert 'order_system_backup_last_success_timestamp_seconds{job="node"}' in host
    for metric in (
        "pg_stat_database_numbackends",
        "pg_settings_max_connections",
        "pg_stat_database_xact_commit",
        "pg_stat_database_blks_hit",
        "pg_stat_database_deadlocks",
        "pg_database_size_bytes",
    ):
        assert f'{metric}{{job="postgres"' in postgresql, metric
    for metric in (
        "redis_up",
        "redis_memory_used_bytes",
        "redis_connected_clients",
        "redis_commands_processed_total",
        "redis_evicted_keys_total",
        "redis_db_keys",
    ):
        assert f'{metric}{{job="redis"' in redis, metric


@pytest.mark.parametrize(("job_name", "service_name"), EXPORTER_JOBS.items())
def test_prometheus_scrapes_each_exporter_where_it_listens(
    prod: Services, job_name: str, service_name: str
) -> None:
    job = scrape_job(job_name)
    assert job.get("metrics_path", "/metrics") == "/metrics"
    host, port = static_target(job).rsplit(":", 1)
    assert host == service_name
    exporter = prod[service_name]
    assert int(port) == healthcheck_port(exporter)
    assert share_a_network(prod["prometheus"], exporter)
    # Reached on the Compose network only: nothing of an exporter is published.
    assert "ports" not in exporter


def test_node_exporter_reads_the_host_and_the_backup_metrics_read_only(prod: Services) -> None:
    node = prod["node-exporter"]
    mounts = {volume["target"]: volume for volume in node["volumes"]}
    for target, source in {"/host/proc": "/proc", "/host/sys": "/sys", "/rootfs": "/"}.items():
        assert mounts[target]["source"] == source
    assert all(mount["read_only"] for mount in mounts.values())
    flags = dict(argument.split("=", 1) for argument in node["command"])
    assert flags["--path.procfs"] == "/host/proc"
    assert flags["--path.sysfs"] == "/host/sys"
    assert flags["--path.rootfs"] == "/rootfs"
    # backup.sh writes its textfile into the same host directory the backup service mounts.
    textfile = mounts[flags["--collector.textfile.directory"]]
    assert Path(textfile["source"]) == REPO_ROOT / "backups" / "metrics"


def test_the_textfile_directory_follows_backup_metrics_dir(tmp_path: Path) -> None:
    env_file = write_env_file(
        tmp_path / "prod.env", PRODUCTION_ENV | {"BACKUP_METRICS_DIR": "/srv/backup-metrics"}
    )
    node = services(compose_config(PROD_COMPOSE, env_file, profiles=["monitoring"]))[
        "node-exporter"
    ]
    mounts = {volume["target"]: volume["source"] for volume in node["volumes"]}
    assert mounts["/textfile"] == "/srv/backup-metrics"


def test_postgres_exporter_signs_in_as_the_monitoring_role_the_database_creates(
    prod: Services,
) -> None:
    exporter = prod["postgres-exporter"]
    environment = environment_of(exporter)
    password = PRODUCTION_ENV["POSTGRES_EXPORTER_PASSWORD"]
    assert environment["DATA_SOURCE_PASS"] == password
    assert password != PRODUCTION_ENV["POSTGRES_PASSWORD"]
    # The role the database's init script creates, with the password it is given.
    role = environment["DATA_SOURCE_USER"]
    assert f"CREATE ROLE {role}" in EXPORTER_ROLE_SCRIPT.read_text()
    db = prod["db"]
    assert environment_of(db)["POSTGRES_EXPORTER_PASSWORD"] == password
    mounts = {volume["target"]: volume for volume in db["volumes"]}
    script = mounts["/docker-entrypoint-initdb.d/20-postgres-exporter-role.sh"]
    assert Path(script["source"]) == EXPORTER_ROLE_SCRIPT
    assert script["read_only"] is True
    location = urlsplit("//" + environment["DATA_SOURCE_URI"])
    assert (location.hostname, location.port) == ("db", 5432)
    assert location.path == "/" + environment_of(prod["db"])["POSTGRES_DB"]
    assert share_a_network(exporter, prod["db"])
    assert PRODUCTION_ENV["POSTGRES_PASSWORD"] not in json.dumps(exporter.get("command"))
    assert exporter["depends_on"]["db"]["condition"] == "service_healthy"


def test_redis_exporter_signs_in_to_redis_with_its_password(prod: Services) -> None:
    exporter = prod["redis-exporter"]
    environment = environment_of(exporter)
    assert environment["REDIS_PASSWORD"] == PRODUCTION_ENV["REDIS_PASSWORD"]
    location = urlsplit(environment["REDIS_ADDR"])
    assert (location.hostname, location.port) == ("redis", 6379)
    assert share_a_network(exporter, prod["redis"])
    assert PRODUCTION_ENV["REDIS_PASSWORD"] not in json.dumps(exporter.get("command"))


def test_blackbox_probes_nginx_https_through_the_exporter(prod: Services) -> None:
    job = scrape_job("blackbox")
    assert job["metrics_path"] == "/probe"
    (module,) = job["params"]["module"]
    probed = urlsplit(static_target(job))
    assert (probed.scheme, probed.hostname, probed.port) == ("https", "nginx", 443)
    assert 443 in {port["target"] for port in prod["nginx"]["ports"]}
    # The probed URL becomes ?target= and the instance label; the scrape goes to the exporter.
    relabelled = {rule["target_label"]: rule for rule in job["relabel_configs"]}
    assert relabelled["__param_target"]["source_labels"] == ["__address__"]
    assert relabelled["instance"]["source_labels"] == ["__param_target"]
    host, port = relabelled["__address__"]["replacement"].rsplit(":", 1)
    exporter = prod[host]
    assert int(port) == healthcheck_port(exporter)
    assert share_a_network(prod["prometheus"], exporter)
    assert share_a_network(exporter, prod["nginx"])
    assert "ports" not in exporter
    # The module it asks for is in the configuration the exporter mounts, and checks TLS.
    mounts = {volume["target"]: Path(volume["source"]) for volume in exporter["volumes"]}
    (config_flag,) = [flag for flag in exporter["command"] if flag.startswith("--config.file=")]
    assert mounts[config_flag.split("=", 1)[1]] == BLACKBOX_CONFIG
    probe = load_yaml(BLACKBOX_CONFIG)["modules"][module]
    assert probe["prober"] == "http"
    assert probe["http"]["fail_if_not_ssl"] is True


def debian_program(name: str) -> str:
    path = shutil.which(name)
    assert path, f"`{name}` is missing: install the Debian package (`make system-deps`)"
    return path


def test_prometheus_and_blackbox_accept_their_configuration() -> None:
    # --syntax-only: the scrape jobs, without the rule files the configuration may name.
    for command in (
        [debian_program("promtool"), "check", "config", "--syntax-only", str(PROMETHEUS_CONFIG)],
        [
            debian_program("prometheus-blackbox-exporter"),
            "--config.check",
            f"--config.file={BLACKBOX_CONFIG}",
        ],
    ):
        checked = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_dashboard_is_valid_grafana_json() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"]
    assert dashboard["title"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["type"] in {"timeseries", "stat"}
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"])


def bind_sources(service: dict[str, Any]) -> dict[str, Path]:
    return {
        volume["target"]: Path(volume["source"])
        for volume in service["volumes"]
        if volume["type"] == "bind"
    }


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_prometheus_loads_the_rules_it_mounts_and_alerts_the_alertmanager_service(
    prod: Services,
) -> None:
    config = load_yaml(PROMETHEUS_CONFIG)
    mounted = bind_sources(prod["prometheus"])
    for pattern in config["rule_files"]:
        in_container = PurePosixPath("/etc/prometheus", pattern).parent
        assert mounted[str(in_container)] == (PROMETHEUS_CONFIG.parent / pattern).parent
    (manager,) = config["alerting"]["alertmanagers"]
    (static,) = manager["static_configs"]
    (target,) = static["targets"]
    service, port = target.split(":")
    assert port == "9093"  # Alertmanager's default --web.listen-address
    assert share_a_network(prod["prometheus"], prod[service])


def test_alertmanager_reads_what_its_config_step_writes_from_every_env_setting(
    prod: Services,
) -> None:
    renderer, alertmanager = prod["alertmanager-config"], prod["alertmanager"]
    written = PurePosixPath(option(renderer["command"], "--output"))
    (volume,) = [v for v in renderer["volumes"] if v["target"] == str(written.parent)]
    (mounted,) = [v for v in alertmanager["volumes"] if v["source"] == volume["source"]]
    assert mounted.get("read_only") is True
    config_file = next(arg for arg in alertmanager["command"] if arg.startswith("--config.file="))
    assert config_file == f"--config.file={mounted['target']}/{written.name}"
    dependency = alertmanager["depends_on"]["alertmanager-config"]
    assert dependency["condition"] == "service_completed_successfully"
    assert dependency["restart"] is True  # a new rendering restarts Alertmanager
    script = bind_sources(renderer)[renderer["command"][1]]
    assert script == ALERTMANAGER_DIR / "render_config.py"
    settings = set(re.findall(r"^(ALERTMANAGER_\w+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    # The port is Compose's own; every other setting goes to the renderer.
    assert settings - {"ALERTMANAGER_PORT"} == set(renderer["environment"])


def test_alertmanager_reaches_the_sink_where_it_listens(prod: Services) -> None:
    default_sink_url = runpy.run_path(str(ALERTMANAGER_DIR / "render_config.py"))[
        "DEFAULT_SINK_URL"
    ]
    url = urlsplit(default_sink_url)
    assert url.hostname
    sink = prod[url.hostname]
    assert option(sink["command"], "--port") == str(url.port)
    assert option(sink["command"], "--host") == "0.0.0.0"  # inside its container
    assert share_a_network(prod["alertmanager"], sink)
    assert bind_sources(sink)[sink["command"][1]] == ALERTMANAGER_DIR / "alert_sink.py"


def test_the_receiver_settings_in_env_reach_the_renderer(tmp_path: Path) -> None:
    settings = {
        "ALERTMANAGER_RECEIVER": "webhook",
        "ALERTMANAGER_WEBHOOK_URL": "https://hooks.example.com/alertmanager",
    }
    env_file = write_env_file(tmp_path / "prod.env", PRODUCTION_ENV | settings)
    model = compose_config(PROD_COMPOSE, env_file, profiles=["monitoring"])
    environment = services(model)["alertmanager-config"]["environment"]
    assert {name: environment[name] for name in settings} == settings
