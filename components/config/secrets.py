"""The stack config keys that are Pulumi secrets (`pulumi config set --secret KEY ...`).

The parsed config only records which are set; their values reach the program as Pulumi
secrets (components/stack_config.py) and never pass through PlatformConfig.
"""

from __future__ import annotations

SECRET_KEYS = (
    "slackWebhookUrl",  # Alertmanager -> Slack incoming webhook
    "pagerdutyRoutingKey",  # Alertmanager -> PagerDuty Events v2 integration key
    "grafanaAdminPassword",  # Grafana's admin user
    "influxdbAdminPassword",  # InfluxDB's admin user (performance history)
    "influxdbAdminToken",  # InfluxDB's admin API token (performance history)
)
