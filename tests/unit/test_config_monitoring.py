"""The `monitoring` block and the alerting secrets: defaults and clear errors."""

from __future__ import annotations

import pytest

from components.config.stack import parse_platform_config
from tests.conftest import assert_config_error


def test_defaults_install_the_stack_and_require_notifications(raw_config):
    spec = parse_platform_config(raw_config, "staging").monitoring
    assert spec.install is True
    assert spec.namespace == "monitoring"
    assert dict(spec.rule_selector) == {"release": "kube-prometheus-stack"}
    assert spec.notifications == "required"
    assert spec.alert_channel == "#nova-alerts-staging"
    assert spec.thresholds.error_rate == 0.05


def test_an_existing_operator_uses_the_given_rule_and_monitor_selectors(raw_config):
    raw_config["monitoring"] = {
        "install": False,
        "ruleSelector": {"prometheus": "platform"},
        "monitorSelector": {"scrape": "platform"},
        "prometheusUrl": "http://prometheus-operated.monitoring:9090",
    }
    raw_config.pop("grafanaAdminPassword")
    spec = parse_platform_config(raw_config, "staging").monitoring
    assert (spec.install, dict(spec.rule_selector)) == (False, {"prometheus": "platform"})
    assert dict(spec.monitor_selector) == {"scrape": "platform"}
    assert spec.prometheus_url == "http://prometheus-operated.monitoring:9090"


def test_the_installed_prometheus_selects_monitors_by_its_release_and_scrapes_every_30s(raw_config):
    spec = parse_platform_config(raw_config, "staging").monitoring
    assert spec.prometheus_url == "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090"
    assert dict(spec.monitor_selector) == {"release": "kube-prometheus-stack"}
    assert spec.scrape_interval == "30s"


def test_cluster_name_defaults_to_the_stack(raw_config):
    assert parse_platform_config(raw_config, "staging").cluster_name == "nova-staging"


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (lambda raw: raw.pop("slackWebhookUrl"), "slackWebhookUrl", "pulumi config set --secret slackWebhookUrl"),
        (
            lambda raw: raw.pop("pagerdutyRoutingKey"),
            "pagerdutyRoutingKey",
            "is required while monitoring.notifications",
        ),
        (lambda raw: raw.pop("grafanaAdminPassword"), "grafanaAdminPassword", "is required to install Grafana"),
        (lambda raw: raw.update(monitoring={"notifications": "sometimes"}), "monitoring.notifications", "not one of"),
        (
            lambda raw: raw.update(monitoring={"thresholds": {"errorRate": 5}}),
            "monitoring.thresholds.errorRate",
            "between 0 and 1",
        ),
        (
            lambda raw: raw.update(monitoring={"thresholds": {"latencyP95Seconds": 0}}),
            "monitoring.thresholds.latencyP95Seconds",
            "greater than 0",
        ),
        (lambda raw: raw.update(monitoring={"thresholds": {"eror": 0.1}}), "monitoring.thresholds.eror", "unknown key"),
        (lambda raw: raw.update(monitoring={"install": "yes"}), "monitoring.install", "expected true or false"),
        (
            lambda raw: raw.update(monitoring={"install": False}),
            "monitoring.ruleSelector",
            "is required with install: false",
        ),
        (
            lambda raw: raw.update(
                monitoring={"install": False, "ruleSelector": {"a": "b"}, "monitorSelector": {"a": "b"}}
            ),
            "monitoring.prometheusUrl",
            "is required with install: false",
        ),
        (
            lambda raw: raw.update(monitoring={"prometheusUrl": "http://p:9090"}),
            "monitoring.prometheusUrl",
            "only for install: false",
        ),
        (
            lambda raw: raw.update(monitoring={"install": False, "ruleSelector": {"a": "b"}}),
            "monitoring.monitorSelector",
            "the labels your Prometheus selects PodMonitors by",
        ),
        (
            lambda raw: raw.update(monitoring={"monitorSelector": {"a": "b"}}),
            "monitoring.monitorSelector",
            "only for install: false",
        ),
        (
            lambda raw: raw.update(monitoring={"scrapeInterval": "30 seconds"}),
            "monitoring.scrapeInterval",
            "is not a duration",
        ),
        (
            lambda raw: raw.update(monitoring={"scrapeInterval": 30}),
            "monitoring.scrapeInterval",
            "expected a non-empty string",
        ),
        (
            lambda raw: raw.update(monitoring={"ruleSelector": {"a": "b"}}),
            "monitoring.ruleSelector",
            "only for install: false",
        ),
        (
            lambda raw: raw.update(monitoring={"slack": {"alertChannel": "alerts"}}),
            "monitoring.slack.alertChannel",
            "not a Slack channel",
        ),
        (lambda raw: raw.update(monitoring={"runbookBaseUrl": "http://x"}), "monitoring.runbookBaseUrl", "https://"),
        (lambda raw: raw.update(clusterName="Nova Staging"), "clusterName", "DNS-1123"),
    ],
)
def test_bad_monitoring_input_is_a_config_error(raw_config, change, key, message):
    change(raw_config)
    assert_config_error(raw_config, key, message)


def test_notifications_off_needs_no_notification_secrets(raw_config):
    raw_config["monitoring"] = {"notifications": "off"}
    raw_config.pop("slackWebhookUrl")
    raw_config.pop("pagerdutyRoutingKey")
    assert parse_platform_config(raw_config, "dev").monitoring.notifications == "off"
