"""The alert rules: promtool's unit tests pass, every rule has a firing and a quiet case among
them, every rule carries its severity and runbook, and Prometheus' configuration loads them."""

import re

from alerting_support import (
    ALERTS_DOC,
    PROMETHEUS_CONFIG,
    RULE_FILES,
    RULE_TESTS,
    alert_rules,
    debian_binary,
    load_yaml,
    run,
)

SEVERITIES = {"critical", "warning"}


def promtool() -> str:
    return str(debian_binary("promtool", "prometheus"))


def test_every_rule_passes_its_promtool_unit_tests() -> None:
    assert RULE_TESTS
    result = run([promtool(), "test", "rules", *RULE_TESTS])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_rule_has_a_firing_and_a_quiet_unit_test() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in RULE_TESTS:
        for case in load_yaml(path)["tests"]:
            for check in case["alert_rule_test"]:
                (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    rules = set(alert_rules())
    assert rules - firing == set(), "rules never seen firing"
    assert rules - quiet == set(), "rules never seen staying quiet"


def test_every_rule_has_a_severity_a_summary_a_description_and_a_runbook() -> None:
    headings = set(re.findall(r"^#+ (\w+)", ALERTS_DOC.read_text(), flags=re.MULTILINE))
    for name, rule in alert_rules().items():
        assert rule["labels"]["severity"] in SEVERITIES, name
        annotations = rule["annotations"]
        assert annotations["summary"], name
        assert annotations["description"], name
        runbook = annotations["runbook"]
        assert "`" in runbook, f"{name}: the runbook names no command"
        anchors = re.findall(r"docs/alerts\.md#(\w+)", runbook)
        assert anchors, f"{name}: the runbook does not point to docs/alerts.md"
        assert {anchor.lower() for anchor in anchors} <= {h.lower() for h in headings}, name


def test_every_rule_but_backup_failed_waits_out_a_blip() -> None:
    # A failed backup run is final; everything else must outlast one bad scrape.
    for name, rule in alert_rules().items():
        assert rule.get("for") or name == "BackupFailed", name


def test_prometheus_config_passes_promtool_with_the_rules_it_loads() -> None:
    result = run([promtool(), "check", "config", PROMETHEUS_CONFIG])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(RULE_FILES)} rule files found" in result.stdout, result.stdout
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout, result.stdout
