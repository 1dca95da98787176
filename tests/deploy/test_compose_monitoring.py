"""The monitoring profile's files agree with the Compose model they run in: Prometheus scrapes
the backend where it listens, Grafana finds Prometheus, its data source and its dashboard,
Prometheus loads its rules and reaches Alertmanager, which reads its rendered configuration and
reaches the alert sink.
(The dashboard's metric names are checked against a running API in test_dockerfile_runtime.)"""

import json
import re
import runpy
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
from deploy_support import (
    ENV_EXAMPLE,
    MONITORING_DIR,
    PROD_COMPOSE,
    PRODUCTION_ENV,
    compose_config,
    load_yaml,
    services,
    write_env_file,
)

PROMETHEUS_CONFIG = MONITORING_DIR / "prometheus" / "prometheus.yml"
PROVISIONING = MONITORING_DIR / "grafana" / "provisioning"
DASHBOARD = MONITORING_DIR / "grafana" / "dashboards" / "order_system_api.json"
ALERTMANAGER_DIR = MONITORING_DIR / "alertmanager"

Services = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Services:
    env_file = write_env_file(tmp_path_factory.mktemp("monitoring") / "prod.env", PRODUCTION_ENV)
    return services(compose_config(PROD_COMPOSE, env_file, profiles=["monitoring"]))


def share_a_network(first: dict[str, Any], second: dict[str, Any]) -> bool:
    return bool(set(first["networks"]) & set(second["networks"]))


def dashboard_targets() -> list[dict[str, Any]]:
    dashboard = json.loads(DASHBOARD.read_text())
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
    uids = {target["datasource"]["uid"] for target in dashboard_targets()}
    assert uids == {datasource["uid"]}


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
