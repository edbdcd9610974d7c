"""Monitoring under the mock engine: chart, secrets, rules, and their order."""

from __future__ import annotations

import json
import logging

import pulumi

from components import conventions
from components.config.stack import parse_platform_config
from components.monitoring import Monitoring, MonitoringSecrets
from novactl.engine.program import Recording, record
from novactl.engine.render import clean, manifest
from novactl.stack.files import StackConfig

RELEASE = "kubernetes:helm.sh/v3:Release"
RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
SECRET = "kubernetes:core/v1:Secret"
WEBHOOK = "https://hooks.slack.com/services/T000/B000/very-secret"


def run(raw_config, stack="staging") -> Recording:
    config = parse_platform_config(raw_config, stack)

    def program() -> None:
        Monitoring(
            "monitoring",
            config,
            MonitoringSecrets(
                slack_webhook_url=pulumi.Output.secret(WEBHOOK),
                pagerduty_routing_key=pulumi.Output.secret("pd-routing-key"),
                grafana_admin_password=pulumi.Output.secret("grafana-password"),
            ),
        )

    return record(program, StackConfig(project="nova-platform", stack=stack, values={}))


def one(recording, type_, name=None):
    (resource,) = [r for r in recording.by_type(type_) if name is None or r.name == name]
    return resource


def test_the_chart_is_pinned_and_its_release_name_fixed(raw_config):
    release = one(run(raw_config), RELEASE)
    chart = conventions.CHARTS["kube-prometheus-stack"]
    assert release.inputs["chart"] == "kube-prometheus-stack"
    assert release.inputs["version"] == chart.version
    assert release.inputs["repositoryOpts"] == {"repo": chart.repo}
    assert release.inputs["name"] == conventions.MONITORING_RELEASE
    assert release.inputs["namespace"] == "monitoring"


def test_rules_wait_for_the_chart_that_installs_their_crd(raw_config):
    recording = run(raw_config)
    rule = one(recording, RULE)
    assert one(recording, RELEASE).urn in rule.options["dependsOn"]
    assert rule.inputs["metadata"]["labels"]["release"] == conventions.MONITORING_RELEASE


def test_the_secrets_alertmanager_mounts_exist_before_the_chart(raw_config):
    recording = run(raw_config)
    release = one(recording, RELEASE)
    for name in ("alertmanager-nova", "alertmanager-nova-receivers", "grafana-admin"):
        assert one(recording, SECRET, name).urn in release.options["dependsOn"]


def test_credentials_stay_pulumi_secrets_and_never_reach_rendered_output(raw_config):
    recording = run(raw_config)
    receivers = one(recording, SECRET, "alertmanager-nova-receivers")
    rendered = json.dumps([clean(r.inputs) for r in recording.resources]) + json.dumps(manifest(receivers))
    assert WEBHOOK not in rendered
    assert "pd-routing-key" not in rendered
    assert "grafana-password" not in rendered
    assert manifest(receivers)["stringData"] == {"pagerduty-routing-key": "[secret]", "slack-webhook-url": "[secret]"}


def test_an_existing_operator_gets_rules_and_routing_but_no_chart(raw_config):
    raw_config["monitoring"] = {
        "install": False,
        "ruleSelector": {"prometheus": "platform"},
        "monitorSelector": {"prometheus": "platform"},
        "prometheusUrl": "http://prometheus-operated.monitoring:9090",
    }
    recording = run(raw_config)
    assert recording.by_type(RELEASE) == []
    assert recording.by_type("kubernetes:core/v1:Namespace") == []
    assert one(recording, RULE).inputs["metadata"]["labels"]["prometheus"] == "platform"
    assert {r.name for r in recording.by_type(SECRET)} == {"alertmanager-nova", "alertmanager-nova-receivers"}


def test_notifications_off_warns_and_mounts_no_credentials(raw_config, caplog):
    raw_config["monitoring"] = {"notifications": "off"}
    with caplog.at_level(logging.WARNING):
        recording = run(raw_config, "dev")
    assert "every alert goes to the null receiver" in caplog.text
    assert {r.name for r in recording.by_type(SECRET)} == {"alertmanager-nova", "grafana-admin"}
    values = one(recording, RELEASE).inputs["values"]
    assert values["alertmanager"]["alertmanagerSpec"]["secrets"] == []
