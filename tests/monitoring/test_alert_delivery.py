"""An alert travels for real: Prometheus evaluates the project's rules against a backend that
is down, Alertmanager (the project's configuration, rendered) delivers it, and the project's
alert sink logs it with its runbook.

Prometheus runs a configuration generated from monitoring/prometheus/prometheus.yml: the same
backend job, pointed at a closed loopback port instead of the engine's DNS, with second-long
intervals; its rules are the project's with `for` set to zero, since the promtool unit tests
already prove the durations and this test proves the wiring. Alertmanager's `group_wait` and
Prometheus' resend delay are shortened for the same reason.
"""

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alerting_support import (
    ALERT_SINK,
    PROMETHEUS_CONFIG,
    RULE_FILES,
    alert_rules,
    debian_binary,
    load_yaml,
    render_alertmanager_config,
    server,
    write_yaml,
)
from helpers import free_port
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

DELIVERY_TIMEOUT_SECONDS = 60.0


def sink_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The alert sink on a free port: its base URL and its log."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "sink.log"
    command: list[str | Path] = [
        sys.executable,
        ALERT_SINK,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with server(command, ready_url=f"{url}/-/healthy", log=log):
        yield url, log


@pytest.fixture
def alertmanager(tmp_path: Path, sink: tuple[str, Path]) -> Iterator[str]:
    """Debian's Alertmanager on the project's default (sink) configuration: its address."""
    config = tmp_path / "alertmanager.yml"
    result = render_alertmanager_config(config, {"ALERT_SINK_URL": f"{sink[0]}/alerts"})
    assert result.returncode == 0, result.stderr
    rendered = load_yaml(config)
    rendered["route"]["group_wait"] = "1s"
    write_yaml(config, rendered)
    address = f"127.0.0.1:{free_port()}"
    command: list[str | Path] = [
        debian_binary("prometheus-alertmanager", "prometheus-alertmanager"),
        f"--config.file={config}",
        f"--storage.path={tmp_path / 'alertmanager-data'}",
        f"--web.listen-address={address}",
        "--cluster.listen-address=",
    ]
    with server(command, ready_url=f"http://{address}/-/ready", log=tmp_path / "am.log"):
        yield address


def rules_without_waiting(directory: Path) -> list[str]:
    """The project's rule files, each rule's `for` set to zero."""
    paths = []
    for path in RULE_FILES:
        document = load_yaml(path)
        for group in document["groups"]:
            for rule in group["rules"]:
                rule["for"] = "0s"
        paths.append(str(write_yaml(directory / path.name, document)))
    return paths


def prometheus_config(tmp_path: Path, alertmanager: str, backend: str) -> Path:
    config = load_yaml(PROMETHEUS_CONFIG)
    config["global"] |= {"scrape_interval": "1s", "scrape_timeout": "1s"}
    config["global"]["evaluation_interval"] = "1s"
    config["rule_files"] = rules_without_waiting(tmp_path)
    (manager,) = config["alerting"]["alertmanagers"]
    manager["static_configs"] = [{"targets": [alertmanager]}]
    (backend_job,) = [job for job in config["scrape_configs"] if job["job_name"] == "backend"]
    del backend_job["dns_sd_configs"]
    backend_job["static_configs"] = [{"targets": [backend]}]
    config["scrape_configs"] = [backend_job]
    return write_yaml(tmp_path / "prometheus.yml", config)


def test_a_backend_that_is_down_reaches_the_sink_with_its_runbook(
    tmp_path: Path, alertmanager: str, sink: tuple[str, Path]
) -> None:
    closed_port = free_port()
    config = prometheus_config(tmp_path, alertmanager, f"127.0.0.1:{closed_port}")
    address = f"127.0.0.1:{free_port()}"
    command: list[str | Path] = [
        debian_binary("prometheus", "prometheus"),
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'prometheus-data'}",
        f"--web.listen-address={address}",
        # An alert that fires before Prometheus has found Alertmanager is sent again only
        # after this delay (1m by default).
        "--rules.alert.resend-delay=1s",
    ]
    _, sink_log = sink
    with server(command, ready_url=f"http://{address}/-/ready", log=tmp_path / "prom.log"):
        for attempt in Retrying(
            stop=stop_after_delay(DELIVERY_TIMEOUT_SECONDS),
            wait=wait_fixed(0.5),
            retry=retry_if_exception_type(ValueError),
            reraise=True,
        ):
            with attempt:
                delivered = [
                    line
                    for line in sink_lines(sink_log)
                    if line.get("labels", {}).get("alertname") == "ApiDown"
                ]
                if not delivered:
                    raise ValueError(f"ApiDown not delivered yet:\n{sink_log.read_text()}")
    (alert, *_) = delivered
    rule = alert_rules()["ApiDown"]
    assert alert["receiver"] == "sink"
    assert alert["status"] == "firing"
    assert alert["labels"]["severity"] == "critical"
    assert alert["annotations"]["runbook"] == rule["annotations"]["runbook"]
    assert alert["annotations"]["summary"] == rule["annotations"]["summary"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "the body is not JSON"),
        (b'{"alerts": "none"}', "the body has no `alerts` list"),
        (b"[1, 2]", "the body has no `alerts` list"),
    ],
    ids=["not-json", "alerts-not-a-list", "not-an-object"],
)
def test_the_sink_refuses_what_is_not_a_notification(
    sink: tuple[str, Path], body: bytes, message: str
) -> None:
    url, log = sink
    response = httpx.post(f"{url}/alerts", content=body, timeout=5)
    assert response.status_code == 400
    assert message in response.text
    assert [line for line in sink_lines(log) if "labels" in line] == []
