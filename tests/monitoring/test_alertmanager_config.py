"""Alertmanager's configuration as render_config.py writes it from the ALERTMANAGER_* settings:
each receiver variant passes `amtool check-config` and routes to the chosen receiver; wrong
settings stop it with a line naming the setting, before any file is written."""

import stat
from pathlib import Path
from typing import Any

import pytest
from alerting_support import debian_binary, load_yaml, render_alertmanager_config, run

SMTP_PASSWORD = 's3cret: "quoted" # not a comment'
EMAIL = {
    "ALERTMANAGER_RECEIVER": "email",
    "ALERTMANAGER_EMAIL_TO": "ops@example.com, oncall@example.com",
    "ALERTMANAGER_SMTP_SMARTHOST": "smtp.example.com:587",
    "ALERTMANAGER_SMTP_FROM": "alerts@example.com",
}


def rendered(tmp_path: Path, settings: dict[str, str]) -> dict[str, Any]:
    """The configuration rendered from `settings`, which amtool must accept."""
    output = tmp_path / "alertmanager.yml"
    result = render_alertmanager_config(output, settings)
    assert result.returncode == 0, result.stderr
    checked = run([debian_binary("amtool", "prometheus-alertmanager"), "check-config", output])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = load_yaml(output)
    receiver: dict[str, Any]
    (receiver,) = config["receivers"]
    assert config["route"]["receiver"] == receiver["name"]
    return receiver


def test_by_default_alerts_go_to_the_local_sink(tmp_path: Path) -> None:
    receiver = rendered(tmp_path, {})
    assert receiver["name"] == "sink"
    (webhook,) = receiver["webhook_configs"]
    assert webhook["url"] == "http://alert-sink:9095/alerts"
    assert webhook["send_resolved"] is True


def test_the_webhook_receiver_posts_to_the_configured_url(tmp_path: Path) -> None:
    url = "https://hooks.example.com/alertmanager?token=abc123"
    receiver = rendered(
        tmp_path, {"ALERTMANAGER_RECEIVER": "webhook", "ALERTMANAGER_WEBHOOK_URL": url}
    )
    assert receiver["name"] == "webhook"
    assert [webhook["url"] for webhook in receiver["webhook_configs"]] == [url]


def test_the_email_receiver_signs_in_with_a_password_yaml_cannot_break(tmp_path: Path) -> None:
    settings = EMAIL | {
        "ALERTMANAGER_SMTP_USERNAME": "alerts@example.com",
        "ALERTMANAGER_SMTP_PASSWORD": SMTP_PASSWORD,
    }
    receiver = rendered(tmp_path, settings)
    (email,) = receiver["email_configs"]
    assert email["to"] == EMAIL["ALERTMANAGER_EMAIL_TO"]
    assert email["from"] == EMAIL["ALERTMANAGER_SMTP_FROM"]
    assert email["smarthost"] == EMAIL["ALERTMANAGER_SMTP_SMARTHOST"]
    assert email["require_tls"] is True
    assert (email["auth_username"], email["auth_password"]) == (
        "alerts@example.com",
        SMTP_PASSWORD,
    )


def test_the_email_receiver_without_authentication_or_starttls(tmp_path: Path) -> None:
    receiver = rendered(tmp_path, EMAIL | {"ALERTMANAGER_SMTP_REQUIRE_TLS": "false"})
    (email,) = receiver["email_configs"]
    assert email["require_tls"] is False
    assert "auth_username" not in email
    assert "auth_password" not in email


def test_the_file_is_private_and_the_password_stays_out_of_the_output(tmp_path: Path) -> None:
    output = tmp_path / "alertmanager.yml"
    settings = EMAIL | {
        "ALERTMANAGER_SMTP_USERNAME": "alerts",
        "ALERTMANAGER_SMTP_PASSWORD": SMTP_PASSWORD,
    }
    result = render_alertmanager_config(output, settings)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert SMTP_PASSWORD not in result.stdout + result.stderr
    assert "email receiver" in result.stdout


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"ALERTMANAGER_RECEIVER": "pager"}, "ALERTMANAGER_RECEIVER must be one of"),
        (
            {"ALERTMANAGER_RECEIVER": "webhook"},
            "ALERTMANAGER_WEBHOOK_URL must be set when ALERTMANAGER_RECEIVER=webhook",
        ),
        (
            {"ALERTMANAGER_RECEIVER": "webhook", "ALERTMANAGER_WEBHOOK_URL": "hooks.example.com"},
            "ALERTMANAGER_WEBHOOK_URL must be an http:// or https:// URL",
        ),
        (
            {"ALERTMANAGER_RECEIVER": "webhook", "ALERTMANAGER_WEBHOOK_URL": "https://[::1/x"},
            "ALERTMANAGER_WEBHOOK_URL must be an http:// or https:// URL",
        ),
        (
            {name: value for name, value in EMAIL.items() if name != "ALERTMANAGER_EMAIL_TO"},
            "ALERTMANAGER_EMAIL_TO must be set when ALERTMANAGER_RECEIVER=email",
        ),
        (
            EMAIL | {"ALERTMANAGER_SMTP_SMARTHOST": "smtp.example.com"},
            "ALERTMANAGER_SMTP_SMARTHOST must be HOST:PORT",
        ),
        (
            EMAIL | {"ALERTMANAGER_SMTP_USERNAME": "alerts"},
            "ALERTMANAGER_SMTP_USERNAME and ALERTMANAGER_SMTP_PASSWORD go together",
        ),
        (
            EMAIL | {"ALERTMANAGER_SMTP_REQUIRE_TLS": "maybe"},
            "ALERTMANAGER_SMTP_REQUIRE_TLS must be true or false",
        ),
    ],
    ids=[
        "unknown-receiver",
        "webhook-without-url",
        "webhook-url-without-scheme",
        "webhook-url-unparsable",
        "email-without-recipient",
        "smarthost-without-port",
        "username-without-password",
        "require-tls-not-a-boolean",
    ],
)
def test_a_wrong_setting_stops_it_with_a_message_naming_it(
    tmp_path: Path, settings: dict[str, str], message: str
) -> None:
    output = tmp_path / "alertmanager.yml"
    result = render_alertmanager_config(output, settings)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not output.exists()
