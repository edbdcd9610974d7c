"""Alert rules and Alertmanager routing, straight from the pure builders."""

from __future__ import annotations

import json

import pytest

from components.builders import alertmanager, alerts, monitoring
from components.config.stack import parse_platform_config
from tests.conftest import PROJECT_DIR

ALERT_NAMES = [
    "HighErrorRate",
    "HighLatencyP95",
    "PodCrashLooping",
    "HighDiskUsage",
    "DatabaseConnectionPoolNearMax",
    "HighMemoryUsage",
    "NovaServiceMetricsAbsent",
    "NovaRolloutStuck",
    "NovaSmokeTestFailed",
    "NovaIdleColourNotReady",
]


@pytest.fixture
def config(raw_config):
    return parse_platform_config(raw_config, "staging")


def rules(config):
    return {rule["alert"]: rule for rule in alerts.rule_groups(config)[0]["rules"]}


def test_the_roadmaps_six_alerts_and_the_blind_spot_alert_keep_their_names_and_for_durations(config):
    by_name = rules(config)
    assert list(by_name) == ALERT_NAMES
    assert {name: rule["for"] for name, rule in by_name.items()} == {
        "HighErrorRate": "5m",
        "HighLatencyP95": "5m",
        "PodCrashLooping": "5m",
        "HighDiskUsage": "10m",
        "DatabaseConnectionPoolNearMax": "5m",
        "HighMemoryUsage": "5m",
        "NovaServiceMetricsAbsent": "10m",
        "NovaRolloutStuck": "15m",
        "NovaSmokeTestFailed": "0m",
        "NovaIdleColourNotReady": "30m",
    }


def test_every_alert_carries_severity_cluster_and_responder_annotations(config):
    for name, rule in rules(config).items():
        assert rule["labels"]["severity"] in {"critical", "warning"}
        assert rule["labels"]["cluster"] == "nova-staging"
        assert set(rule["annotations"]) == {"summary", "description", "runbook_url"}
        assert rule["annotations"]["runbook_url"].endswith(f"/docs/runbooks/{name}.md")
        assert (PROJECT_DIR / "docs" / "runbooks" / f"{name}.md").is_file(), name
    assert rules(config)["HighErrorRate"]["labels"]["severity"] == "critical"


def test_error_rate_is_a_ratio_of_5xx_to_all_requests(config):
    expr = rules(config)["HighErrorRate"]["expr"]
    assert 'status=~"5.."' in expr
    assert "/" in expr
    assert expr.rstrip().endswith("> 0.05")
    assert 'namespace="nova-test"' in expr


def test_promql_uses_the_real_exporter_metrics(config):
    by_name = rules(config)
    assert "sum by (le, service)" in by_name["HighLatencyP95"]["expr"]
    assert (
        'kube_pod_container_status_waiting_reason{namespace="nova-test", reason="CrashLoopBackOff"}'
        in (by_name["PodCrashLooping"]["expr"])
    )
    assert "kubelet_volume_stats_used_bytes" in by_name["HighDiskUsage"]["expr"]
    assert "pg_settings_max_connections" in by_name["DatabaseConnectionPoolNearMax"]["expr"]
    assert "max_connections" not in by_name["DatabaseConnectionPoolNearMax"]["expr"].replace(
        "pg_settings_max_connections", ""
    )
    assert 'resource="memory"' in by_name["HighMemoryUsage"]["expr"]


def test_thresholds_come_from_the_stack_config(raw_config):
    raw_config["monitoring"] = {"thresholds": {"errorRate": 0.02, "latencyP95Seconds": 0.5, "diskUsage": 0.9}}
    by_name = rules(parse_platform_config(raw_config, "staging"))
    assert by_name["HighErrorRate"]["expr"].endswith("> 0.02")
    assert by_name["HighLatencyP95"]["expr"].endswith("> 0.5")
    assert by_name["HighDiskUsage"]["expr"].endswith("> 0.9")
    assert "More than 2% of" in by_name["HighErrorRate"]["annotations"]["description"]


def test_prometheus_rule_is_labelled_for_the_operators_selector(config):
    manifest = alerts.prometheus_rule("nova-alerts", alerts.rule_groups(config), config)
    assert manifest["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert manifest["metadata"]["namespace"] == "monitoring"


def test_routes_use_matchers_never_the_deprecated_match(config):
    document = alertmanager.alertmanager_config(config)
    text = json.dumps(document)
    assert '"match"' not in text
    assert '"match_re"' not in text
    assert [child["matchers"] for child in document["route"]["routes"]] == [
        ['severity="critical"'],
        ['severity="warning"'],
    ]
    (inhibit,) = document["inhibit_rules"]
    assert inhibit == {
        "source_matchers": ['severity="critical"'],
        "target_matchers": ['severity="warning"'],
        "equal": ["alertname", "cluster", "service"],
    }


def test_roadmap_timings(config):
    route = alertmanager.alertmanager_config(config)["route"]
    assert route["group_by"] == ["alertname", "cluster", "service"]
    assert (route["group_wait"], route["group_interval"], route["repeat_interval"]) == ("30s", "5m", "4h")
    assert alertmanager.alertmanager_config(config)["global"] == {"resolve_timeout": "5m"}


def test_critical_pages_pagerduty_and_posts_to_slack_from_mounted_files(config):
    receivers = {r["name"]: r for r in alertmanager.alertmanager_config(config)["receivers"]}
    critical = receivers["critical"]
    assert critical["pagerduty_configs"][0]["routing_key_file"] == (
        "/etc/alertmanager/secrets/alertmanager-nova-receivers/pagerduty-routing-key"
    )
    assert critical["slack_configs"][0]["api_url_file"].startswith(
        "/etc/alertmanager/secrets/alertmanager-nova-receivers/"
    )
    assert "routing_key" not in critical["pagerduty_configs"][0]
    assert "api_url" not in critical["slack_configs"][0]
    assert receivers["slack-warning"]["slack_configs"][0]["channel"] == "#nova-alerts-staging"
    assert receivers["slack-default"]["slack_configs"][0]["channel"] == "#nova-ops"
    # The chart mounts exactly the Secret the file paths point into.
    values = monitoring.chart_values(config)
    assert values["alertmanager"]["alertmanagerSpec"]["secrets"] == [alertmanager.RECEIVERS_SECRET]


def test_notifications_off_sends_everything_to_the_null_receiver(raw_config):
    raw_config["monitoring"] = {"notifications": "off"}
    for key in ("slackWebhookUrl", "pagerdutyRoutingKey"):
        raw_config.pop(key)
    document = alertmanager.alertmanager_config(parse_platform_config(raw_config, "dev"))
    assert document["receivers"] == [{"name": "null"}]
    assert {document["route"]["receiver"]} | {child["receiver"] for child in document["route"]["routes"]} == {"null"}


def test_chart_values_disable_duplicated_default_rules_and_enable_the_dashboard_sidecar(config):
    values = monitoring.chart_values(config)
    assert values["defaultRules"]["disabled"] == {"KubePodCrashLooping": True, "KubePersistentVolumeFillingUp": True}
    assert values["grafana"]["sidecar"]["dashboards"]["enabled"] is True
    assert values["grafana"]["admin"]["existingSecret"] == "grafana-admin"
    assert values["alertmanager"]["alertmanagerSpec"]["useExistingSecret"] is True
    assert values["alertmanager"]["alertmanagerSpec"]["configSecret"] == alertmanager.CONFIG_SECRET
