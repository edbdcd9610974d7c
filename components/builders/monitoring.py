"""Helm values of the kube-prometheus-stack release, and the Secrets it mounts.

Value keys are the chart's (prometheus-community/helm-charts, charts/kube-prometheus-stack,
values.yaml): defaultRules.disabled, alertmanager.alertmanagerSpec.{useExistingSecret,
configSecret,secrets}, prometheus.prometheusSpec.externalLabels, grafana.sidecar.dashboards,
grafana.admin.existingSecret (the grafana subchart's).
"""

from __future__ import annotations

from typing import Any

import yaml

from components.builders import Manifest
from components.builders.alertmanager import CONFIG_SECRET, RECEIVERS_SECRET
from components.builders.core import secret
from components.builders.logging import loki_query_url
from components.builders.tracing import tempo_query_url
from components.config import PlatformConfig

GRAFANA_ADMIN_SECRET = "grafana-admin"
GRAFANA_DASHBOARD_LABEL = "grafana_dashboard"

# Chart rules that our own alerts replace; left on, one incident would page twice.
DUPLICATED_DEFAULT_RULES = ("KubePodCrashLooping", "KubePersistentVolumeFillingUp")


def chart_values(config: PlatformConfig) -> dict[str, Any]:
    """Values for kube-prometheus-stack: our Alertmanager config, our rules, Grafana sidecar,
    and with logging or tracing on, Grafana's Loki and Tempo data sources."""
    values: dict[str, Any] = {
        "defaultRules": {"disabled": dict.fromkeys(DUPLICATED_DEFAULT_RULES, True)},
        "prometheus": {
            "prometheusSpec": {
                "externalLabels": {"cluster": config.cluster_name},
                # Select rules by the release label (the chart's default), from every namespace.
                "ruleSelectorNilUsesHelmValues": True,
                # The OpenTelemetry collector remote-writes application metrics (/api/v1/write).
                "enableRemoteWriteReceiver": config.tracing is not None,
            }
        },
        "alertmanager": {
            "alertmanagerSpec": {
                "useExistingSecret": True,
                "configSecret": CONFIG_SECRET,
                # Mounted at /etc/alertmanager/secrets/<name>/, where the config's *_file point.
                "secrets": [RECEIVERS_SECRET] if config.monitoring.notifications == "required" else [],
            }
        },
        "grafana": {
            "admin": {
                "existingSecret": GRAFANA_ADMIN_SECRET,
                "userKey": "admin-user",
                "passwordKey": "admin-password",
            },
            "sidecar": {
                "dashboards": {
                    "enabled": True,
                    "label": GRAFANA_DASHBOARD_LABEL,
                    "labelValue": "1",
                    "searchNamespace": "ALL",
                }
            },
        },
    }
    sources = data_sources(config)
    if sources:
        values["grafana"]["additionalDataSources"] = sources
    return values


def data_sources(config: PlatformConfig) -> list[dict[str, Any]]:
    """Grafana data sources for the stack's Loki and Tempo (the grafana subchart's additionalDataSources)."""
    sources = []
    if config.logging is not None:
        sources.append({"name": "Loki", "type": "loki", "access": "proxy", "url": loki_query_url(config.logging)})
    if config.tracing is not None:
        sources.append({"name": "Tempo", "type": "tempo", "access": "proxy", "url": tempo_query_url(config.tracing)})
    return sources


def alertmanager_config_secret(config: PlatformConfig, alertmanager_yaml: dict[str, Any]) -> Manifest:
    """The Secret the operator's Alertmanager reads `alertmanager.yaml` from."""
    text = yaml.safe_dump(alertmanager_yaml, sort_keys=False)
    return secret(CONFIG_SECRET, config.monitoring.namespace, {"alertmanager.yaml": text})
