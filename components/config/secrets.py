"""The stack config keys that are Pulumi secrets (`pulumi config set --secret KEY ...`).

The parsed config only records which are set; their values reach the program as Pulumi
secrets (components/stack_config.py) and never pass through PlatformConfig. Besides the
platform's own, each service may read secrets of its own through `secretEnv`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SECRET_KEYS = (
    "slackWebhookUrl",  # Alertmanager -> Slack incoming webhook
    "pagerdutyRoutingKey",  # Alertmanager -> PagerDuty Events v2 integration key
    "grafanaAdminPassword",  # Grafana's admin user
    "influxdbAdminPassword",  # InfluxDB's admin user (performance history)
    "influxdbAdminToken",  # InfluxDB's admin API token (performance history)
    "argocdSlackToken",  # ArgoCD notifications -> the Slack app's bot token (gitops.slackChannel)
)


def service_secret_keys(values: Mapping[str, Any]) -> tuple[str, ...]:
    """The config keys the services read as secrets: every `secretEnv` value, in
    `serviceDefaults` and in each `services.<name>` (keys without the namespace, objects
    decoded). Malformed entries are skipped here and reported by the parser."""
    services = values.get("services")
    blocks = [values.get("serviceDefaults"), *(services.values() if isinstance(services, Mapping) else ())]
    keys: set[str] = set()
    for block in blocks:
        secret_env = block.get("secretEnv") if isinstance(block, Mapping) else None
        if isinstance(secret_env, Mapping):
            keys.update(key for key in secret_env.values() if isinstance(key, str))
    return tuple(sorted(keys))
