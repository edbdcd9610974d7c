"""Alertmanager routing: critical pages PagerDuty (and posts to Slack), warnings go to Slack.

The configuration holds no secret: the Slack webhook URL and the PagerDuty routing key are
files that Alertmanager reads from a mounted Secret (`api_url_file`, `routing_key_file`,
Alertmanager >= 0.25). Routes use `matchers`; the deprecated `match` form never appears.
"""

from __future__ import annotations

from typing import Any

from components.config.stack import PlatformConfig

CONFIG_SECRET = "alertmanager-nova"
"""Secret holding `alertmanager.yaml`; the operator's Alertmanager runs with it (configSecret)."""

RECEIVERS_SECRET = "alertmanager-nova-receivers"
"""Secret holding the credentials, mounted at /etc/alertmanager/secrets/<name>/ by the operator."""

SLACK_WEBHOOK_KEY = "slack-webhook-url"
PAGERDUTY_KEY = "pagerduty-routing-key"
SECRETS_DIR = f"/etc/alertmanager/secrets/{RECEIVERS_SECRET}"

CRITICAL, WARNING, DEFAULT, NULL = "critical", "slack-warning", "slack-default", "null"

_SLACK_TEXT = (
    "{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n"
    "Runbook: {{ .Annotations.runbook_url }}\n{{ end }}"
)


def _slack(channel: str) -> dict[str, Any]:
    return {
        "api_url_file": f"{SECRETS_DIR}/{SLACK_WEBHOOK_KEY}",
        "channel": channel,
        "send_resolved": True,
        "title": "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.cluster }})",
        "text": _SLACK_TEXT,
    }


def alertmanager_config(config: PlatformConfig) -> dict[str, Any]:
    """The whole alertmanager.yaml for this stack."""
    monitoring = config.monitoring
    route: dict[str, Any] = {
        "receiver": DEFAULT,
        "group_by": ["alertname", "cluster", "service"],
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "4h",
        "routes": [
            {"receiver": CRITICAL, "matchers": ['severity="critical"']},
            {"receiver": WARNING, "matchers": ['severity="warning"']},
        ],
    }
    receivers: list[dict[str, Any]] = [
        {
            "name": CRITICAL,
            "pagerduty_configs": [
                {
                    "routing_key_file": f"{SECRETS_DIR}/{PAGERDUTY_KEY}",
                    "send_resolved": True,
                    "severity": "critical",
                    "description": "{{ .CommonAnnotations.summary }}",
                }
            ],
            "slack_configs": [_slack(monitoring.alert_channel)],
        },
        {"name": WARNING, "slack_configs": [_slack(monitoring.alert_channel)]},
        {"name": DEFAULT, "slack_configs": [_slack(monitoring.default_channel)]},
    ]
    if monitoring.notifications == "off":
        # Same tree, so routing stays testable, but nothing leaves the cluster.
        route["receiver"] = NULL
        for child in route["routes"]:
            child["receiver"] = NULL
        receivers = [{"name": NULL}]
    return {
        "global": {"resolve_timeout": "5m"},
        "route": route,
        "inhibit_rules": [
            {
                "source_matchers": ['severity="critical"'],
                "target_matchers": ['severity="warning"'],
                "equal": ["alertname", "cluster", "service"],
            }
        ],
        "receivers": receivers,
    }
