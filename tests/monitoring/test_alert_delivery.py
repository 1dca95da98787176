"""An alert travels for real: Prometheus evaluates the project's rules against a backend that
is down, Alertmanager (the project's configuration, rendered) delivers it, and it arrives with
its runbook: at the project's alert sink (the default receiver), or as an email at a real
SMTP server (aiosmtpd).

Prometheus runs a configuration generated from monitoring/prometheus/prometheus.yml: the same
backend job, pointed at a closed loopback port instead of the engine's DNS, with second-long
intervals; its rules are the project's with `for` set to zero, since the promtool unit tests
already prove the durations and this test proves the wiring. Alertmanager's `group_wait` and
Prometheus' resend delay are shortened for the same reason.
"""

import email.message
import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
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
from helpers import free_port, retrying

DELIVERY_TIMEOUT_SECONDS = 60.0

Delivered = TypeVar("Delivered")


class NotYet(Exception):
    """The alert has not arrived yet."""


def wait_for(arrived: Callable[[], Delivered | None], what: str) -> Delivered:
    def present() -> Delivered:
        found = arrived()
        if found is None:
            raise NotYet(f"{what} has not arrived")
        return found

    return retrying(DELIVERY_TIMEOUT_SECONDS, interval=0.2, on=NotYet)(present)


def sink_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The alert sink on a free port: its base URL and its log."""
    port = str(free_port())
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "sink.log"
    command: list[str | Path] = [sys.executable, ALERT_SINK, "--host", "127.0.0.1", "--port", port]
    with server(command, ready_url=f"{url}/-/healthy", log=log):
        yield url, log


class Mailbox(Message):
    """aiosmtpd's handler that keeps each message it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[email.message.Message] = []
        self._lock = threading.Lock()

    def handle_message(self, message: email.message.Message) -> None:
        with self._lock:
            self.messages.append(message)

    def about(self, alertname: str) -> email.message.Message | None:
        """The first message whose subject names this alert."""
        with self._lock:
            return next((m for m in self.messages if alertname in m["Subject"]), None)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on a free loopback port, in a thread of its own."""
    handler = Mailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@contextmanager
def alertmanager(tmp_path: Path, settings: dict[str, str]) -> Iterator[str]:
    """Debian's Alertmanager on the project's configuration rendered from `settings`."""
    config = tmp_path / "alertmanager.yml"
    result = render_alertmanager_config(config, settings)
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


@contextmanager
def prometheus_with_the_backend_down(tmp_path: Path, alertmanager: str) -> Iterator[None]:
    config = load_yaml(PROMETHEUS_CONFIG)
    config["global"] |= {"scrape_interval": "1s", "scrape_timeout": "1s"}
    config["global"]["evaluation_interval"] = "1s"
    config["rule_files"] = rules_without_waiting(tmp_path)
    (manager,) = config["alerting"]["alertmanagers"]
    manager["static_configs"] = [{"targets": [alertmanager]}]
    (backend_job,) = [job for job in config["scrape_configs"] if job["job_name"] == "backend"]
    del backend_job["dns_sd_configs"]
    backend_job["static_configs"] = [{"targets": [f"127.0.0.1:{free_port()}"]}]  # nothing there
    config["scrape_configs"] = [backend_job]
    address = f"127.0.0.1:{free_port()}"
    command: list[str | Path] = [
        debian_binary("prometheus", "prometheus"),
        f"--config.file={write_yaml(tmp_path / 'prometheus.yml', config)}",
        f"--storage.tsdb.path={tmp_path / 'prometheus-data'}",
        f"--web.listen-address={address}",
        # An alert that fires before Prometheus has found Alertmanager is sent again only
        # after this delay (1m by default).
        "--rules.alert.resend-delay=1s",
    ]
    with server(command, ready_url=f"http://{address}/-/ready", log=tmp_path / "prom.log"):
        yield


def test_a_backend_that_is_down_reaches_the_sink_with_its_runbook(
    tmp_path: Path, sink: tuple[str, Path]
) -> None:
    url, log = sink

    def api_down() -> dict[str, Any] | None:
        lines = sink_lines(log)
        return next(
            (line for line in lines if line.get("labels", {}).get("alertname") == "ApiDown"), None
        )

    with (
        alertmanager(tmp_path, {"ALERT_SINK_URL": f"{url}/alerts"}) as address,
        prometheus_with_the_backend_down(tmp_path, address),
    ):
        alert = wait_for(api_down, "ApiDown at the sink")
    rule = alert_rules()["ApiDown"]
    assert alert["receiver"] == "sink"
    assert alert["status"] == "firing"
    assert alert["labels"]["severity"] == "critical"
    assert alert["annotations"]["runbook"] == rule["annotations"]["runbook"]
    assert alert["annotations"]["summary"] == rule["annotations"]["summary"]


def test_a_backend_that_is_down_is_mailed_with_its_runbook(
    tmp_path: Path, mailbox: tuple[Mailbox, int]
) -> None:
    handler, port = mailbox
    settings = {
        "ALERTMANAGER_RECEIVER": "email",
        "ALERTMANAGER_EMAIL_TO": "oncall@example.com",
        "ALERTMANAGER_SMTP_FROM": "alertmanager@example.com",
        "ALERTMANAGER_SMTP_SMARTHOST": f"127.0.0.1:{port}",
        # aiosmtpd offers no STARTTLS here; production keeps the default, true.
        "ALERTMANAGER_SMTP_REQUIRE_TLS": "false",
    }

    with (
        alertmanager(tmp_path, settings) as address,
        prometheus_with_the_backend_down(tmp_path, address),
    ):
        message = wait_for(partial(handler.about, "ApiDown"), "the ApiDown email")
    assert message["From"] == "alertmanager@example.com"
    assert message["To"] == "oncall@example.com"
    (text_part,) = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    payload = text_part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    text = payload.decode()
    rule = alert_rules()["ApiDown"]
    assert "[FIRING] ApiDown (critical)" in text
    assert f"Runbook: {rule['annotations']['runbook']}" in text


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
