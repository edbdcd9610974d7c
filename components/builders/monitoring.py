"""Helm values of the kube-prometheus-stack release, and the Secrets it mounts.

Value keys are the chart's (prometheus-community/helm-charts, charts/kube-prometheus-stack,
values.yaml): defaultRules.disabled, alertmanager.alertmanagerSpec.{useExistingSecret,
configSecret,secrets}, prometheus.prometheusSpec.externalLabels, grafana.sidecar.dashboards,
grafana.admin.existingSecret (the grafana subchart's).
"""

from __future__ import annotations

from typing import Any

import yaml

from components import conventions
from components.builders import Manifest
from components.builders.alertmanager import CONFIG_SECRET, RECEIVERS_SECRET
from components.config import PlatformConfig

GRAFANA_ADMIN_SECRET = "grafana-admin"
GRAFANA_DASHBOARD_LABEL = "grafana_dashboard"

# Chart rules that our own alerts replace; left on, one incident would page twice.
DUPLICATED_DEFAULT_RULES = ("KubePodCrashLooping", "KubePersistentVolumeFillingUp")


def chart_values(config: PlatformConfig) -> dict[str, Any]:
    """Values for kube-prometheus-stack: our Alertmanager config, our rules, Grafana sidecar."""
    return {
        "defaultRules": {"disabled": dict.fromkeys(DUPLICATED_DEFAULT_RULES, True)},
        "prometheus": {
            "prometheusSpec": {
                "externalLabels": {"cluster": config.cluster_name},
                # Select rules by the release label (the chart's default), from every namespace.
                "ruleSelectorNilUsesHelmValues": True,
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


def secret(name: str, namespace: str, string_data: dict[str, Any]) -> Manifest:
    """An Opaque Secret; the component passes Pulumi secrets (Outputs) as the values."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {
                **conventions.owned_labels(),
            },
        },
        "type": "Opaque",
        "stringData": string_data,
    }


def alertmanager_config_secret(config: PlatformConfig, alertmanager_yaml: dict[str, Any]) -> Manifest:
    """The Secret the operator's Alertmanager reads `alertmanager.yaml` from."""
    text = yaml.safe_dump(alertmanager_yaml, sort_keys=False)
    return secret(CONFIG_SECRET, config.monitoring.namespace, {"alertmanager.yaml": text})


def monitoring_namespace(config: PlatformConfig) -> Manifest:
    """The monitoring namespace. No 'restricted' Pod Security here: node-exporter needs the
    host's network and filesystem (the chart's own requirement)."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": config.monitoring.namespace,
            "labels": {
                **conventions.owned_labels(),
            },
        },
    }
