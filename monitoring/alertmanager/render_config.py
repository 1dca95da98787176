"""Write Alertmanager's configuration from the ALERTMANAGER_* settings (.env).

Alertmanager reads no environment variables, and its webhook `url_file` only exists from 0.26
on (Debian ships 0.25), so the receiver's settings are rendered into the file instead: by the
`alertmanager-config` one-shot service of docker-compose.production.yml before Alertmanager
starts, and by the tests. Standard library only, so the official python image runs it as is.

ALERTMANAGER_RECEIVER chooses where alerts go:
  sink     (default) the local `alert-sink` service, which logs each alert; no internet needed
           (ALERT_SINK_URL moves it: the tests run it on a loopback port)
  webhook  ALERTMANAGER_WEBHOOK_URL receives Alertmanager's JSON (a chat bridge, an on-call tool)
  email    ALERTMANAGER_EMAIL_TO, through ALERTMANAGER_SMTP_SMARTHOST (host:port) as
           ALERTMANAGER_SMTP_FROM; ALERTMANAGER_SMTP_USERNAME/_PASSWORD when the server wants
           them; ALERTMANAGER_SMTP_REQUIRE_TLS=false only for a server without STARTTLS

The file is JSON, which is YAML too; it may hold a password, so it is written mode 0600.
"""

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_SINK_URL = "http://alert-sink:9095/alerts"
RECEIVERS = ("sink", "webhook", "email")
TRUE_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
# The plain-text part of an alert email (Alertmanager's own HTML part goes along): what fired,
# and the runbook's commands, readable in any mail client.
EMAIL_TEXT = """{{ range .Alerts -}}
[{{ .Status | toUpper }}] {{ .Labels.alertname }} ({{ .Labels.severity }})
{{ .Annotations.summary }}
{{ .Annotations.description }}
Runbook: {{ .Annotations.runbook }}
Labels:{{ range .Labels.SortedPairs }} {{ .Name }}={{ .Value }}{{ end }}

{{ end }}"""


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


def setting(env: Mapping[str, str], name: str, *, required_for: str = "") -> str:
    value = env.get(name, "").strip()
    if required_for and not value:
        raise SettingsError(f"{name} must be set when ALERTMANAGER_RECEIVER={required_for}")
    return value


def http_url(name: str, value: str) -> str:
    try:
        parts = urlsplit(value)
        valid = parts.scheme in {"http", "https"} and bool(parts.hostname)
    except ValueError:  # an unbalanced IPv6 bracket, say
        valid = False
    if not valid:
        raise SettingsError(f"{name} must be an http:// or https:// URL")
    return value


def smarthost(value: str) -> str:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise SettingsError("ALERTMANAGER_SMTP_SMARTHOST must be HOST:PORT (smtp.example.com:587)")
    return value


def email_receiver(env: Mapping[str, str]) -> dict[str, Any]:
    email: dict[str, Any] = {
        "to": setting(env, "ALERTMANAGER_EMAIL_TO", required_for="email"),
        "from": setting(env, "ALERTMANAGER_SMTP_FROM", required_for="email"),
        "smarthost": smarthost(setting(env, "ALERTMANAGER_SMTP_SMARTHOST", required_for="email")),
        "text": EMAIL_TEXT,
        "send_resolved": True,
    }
    require_tls = setting(env, "ALERTMANAGER_SMTP_REQUIRE_TLS") or "true"
    if require_tls.lower() not in TRUE_WORDS:
        raise SettingsError("ALERTMANAGER_SMTP_REQUIRE_TLS must be true or false")
    email["require_tls"] = TRUE_WORDS[require_tls.lower()]
    username = setting(env, "ALERTMANAGER_SMTP_USERNAME")
    password = setting(env, "ALERTMANAGER_SMTP_PASSWORD")
    if bool(username) != bool(password):
        raise SettingsError(
            "ALERTMANAGER_SMTP_USERNAME and ALERTMANAGER_SMTP_PASSWORD go together: both or neither"
        )
    if username:
        email |= {"auth_username": username, "auth_password": password}
    return {"name": "email", "email_configs": [email]}


def receiver(env: Mapping[str, str]) -> dict[str, Any]:
    kind = setting(env, "ALERTMANAGER_RECEIVER") or "sink"
    if kind == "sink":
        url = http_url("ALERT_SINK_URL", setting(env, "ALERT_SINK_URL") or DEFAULT_SINK_URL)
        return {"name": "sink", "webhook_configs": [{"url": url, "send_resolved": True}]}
    if kind == "webhook":
        name = "ALERTMANAGER_WEBHOOK_URL"
        url = http_url(name, setting(env, name, required_for="webhook"))
        return {"name": "webhook", "webhook_configs": [{"url": url, "send_resolved": True}]}
    if kind == "email":
        return email_receiver(env)
    choices = ", ".join(RECEIVERS)
    raise SettingsError(f"ALERTMANAGER_RECEIVER must be one of {choices}, not {kind!r}")


def inhibition(source: str, target: str, *equal: str) -> dict[str, Any]:
    """While `source` fires, `target` (its milder twin) says nothing new."""
    return {
        "source_matchers": [f"alertname={source}"],
        "target_matchers": [f"alertname={target}"],
        "equal": list(equal),
    }


def render(env: Mapping[str, str]) -> dict[str, Any]:
    chosen = receiver(env)
    return {
        "route": {
            "receiver": chosen["name"],
            # One message per alert and target, sent after 30 s (so a burst arrives together),
            # repeated every 4 hours while it lasts.
            "group_by": ["alertname", "instance"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
        },
        "receivers": [chosen],
        "inhibit_rules": [
            inhibition("ApiDown", "BackendReplicaDown"),
            inhibition("DiskAlmostFull", "DiskFillingUp", "instance", "mountpoint"),
            inhibition("CertificateExpiresInDays", "CertificateExpiringSoon", "instance"),
        ],
    }


def write_private(path: Path, text: str, owner: tuple[int, int] | None) -> None:
    """Write `text` to `path` whole or not at all, readable by its owner only."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        if owner is not None:
            os.chown(temporary, *owner)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def owner_ids(value: str) -> tuple[int, int]:
    uid, _, gid = value.partition(":")
    if not (uid.isdigit() and gid.isdigit()):
        raise argparse.ArgumentTypeError("--owner must be UID:GID, e.g. 65534:65534")
    return int(uid), int(gid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True, help="the file to write")
    parser.add_argument(
        "--owner", type=owner_ids, help="UID:GID to own the file (Alertmanager's user)"
    )
    arguments = parser.parse_args(argv)
    try:
        config = render(os.environ)
    except SettingsError as error:
        print(f"render_config: {error}", file=sys.stderr)
        return 2
    header = "# Written by monitoring/alertmanager/render_config.py from .env; edit .env instead.\n"
    text = header + json.dumps(config, indent=2) + "\n"
    try:
        write_private(arguments.output, text, arguments.owner)
    except OSError as error:
        print(f"render_config: cannot write {arguments.output}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"render_config: alerts go to the {config['route']['receiver']} receiver")
    return 0


if __name__ == "__main__":
    sys.exit(main())
