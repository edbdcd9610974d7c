"""Helm values of the kube-prometheus-stack release, and the Secrets it mounts.

Value keys are the chart's (prometheus-community/helm-charts, charts/kube-prometheus-stack,
values.yaml): defaultRules.disabled, alertmanager.alertmanagerSpec.{useExistingSecret,
configSecret,secrets}, prometheus.prometheusSpec.externalLabels, grafana.sidecar.dashboards,
grafana.admin.existingSecret (the grafana subchart's), prometheus.prometheusSpec.{retention,
retentionSize,storageSpec.volumeClaimTemplate} and alertmanager.alertmanagerSpec.storage.
"""

from __future__ import annotations

from typing import Any

import yaml

from components.builders import Manifest
from components.builders.alertmanager import CONFIG_SECRET, RECEIVERS_SECRET
from components.builders.core import secret, storage_class_value
from components.builders.logging import loki_query_url
from components.builders.tracing import tempo_query_url
from components.config.monitoring import PROMETHEUS_VOLUME_SHARE, MonitoringStorage
from components.config.quantities import parse_quantity
from components.config.slo import SLO_WINDOW_DAYS
from components.config.stack import PlatformConfig, volume_classes

GRAFANA_ADMIN_SECRET = "grafana-admin"
GRAFANA_DASHBOARD_LABEL = "grafana_dashboard"

# Chart rules that our own alerts replace; left on, one incident would page twice.
DUPLICATED_DEFAULT_RULES = ("KubePodCrashLooping", "KubePersistentVolumeFillingUp")
# Days kept beyond the longest SLO window, so the 30-day rules see whole windows after an outage
# of the scraper, and a postmortem can look at the days before one.
RETENTION_MARGIN_DAYS = 7
RETENTION_DAYS = SLO_WINDOW_DAYS + RETENTION_MARGIN_DAYS


def volume_claim(size: str, storage_class: str | None) -> dict[str, Any]:
    """A volumeClaimTemplate for one of the operator's StatefulSets."""
    spec = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": size}},
        **storage_class_value("storageClassName", storage_class),
    }
    return {"volumeClaimTemplate": {"spec": spec}}


def retention_size(storage: MonitoringStorage) -> str:
    """Prometheus's size cap, a share of its volume (Prometheus's GB are powers of 2)."""
    gib = int(float(parse_quantity(storage.prometheus)) * PROMETHEUS_VOLUME_SHARE / 2**30)
    return f"{gib}GB"


def chart_values(config: PlatformConfig) -> dict[str, Any]:
    """Values for kube-prometheus-stack: our Alertmanager config, our rules, Grafana sidecar,
    and with logging or tracing on, Grafana's Loki and Tempo data sources."""
    storage = config.monitoring.storage
    assert storage is not None, "install: true always has storage"
    storage_class = volume_classes(config)["monitoring"]
    values: dict[str, Any] = {
        "defaultRules": {"disabled": dict.fromkeys(DUPLICATED_DEFAULT_RULES, True)},
        "prometheus": {
            "prometheusSpec": {
                "externalLabels": {"cluster": config.cluster_name},
                # Select rules and PodMonitors by the release label (the chart's default): the
                # chart renders `matchLabels: {release: <release name>}` for a nil selector.
                "ruleSelectorNilUsesHelmValues": True,
                "podMonitorSelectorNilUsesHelmValues": True,
                # Every namespace: the services' PodMonitors live in the stack namespace.
                "podMonitorNamespaceSelector": {},
                # The OpenTelemetry collector remote-writes application metrics (/api/v1/write).
                "enableRemoteWriteReceiver": config.tracing is not None,
                # The 30-day SLO rules need 30 days of samples, kept across pod moves.
                "retention": f"{RETENTION_DAYS}d",
                "retentionSize": retention_size(storage),
                "storageSpec": volume_claim(storage.prometheus, storage_class),
            }
        },
        "alertmanager": {
            "alertmanagerSpec": {
                "useExistingSecret": True,
                "configSecret": CONFIG_SECRET,
                # Mounted at /etc/alertmanager/secrets/<name>/, where the config's *_file point.
                "secrets": [RECEIVERS_SECRET] if config.monitoring.notifications == "required" else [],
                # Silences and the notification log survive a restart.
                "storage": volume_claim(storage.alertmanager, storage_class),
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


LOKI_UID = "loki"
TEMPO_UID = "tempo"
# The trace id as OTel SDK log bridges write it into a line, JSON ("trace_id":"...") or logfmt.
TRACE_ID_IN_LINE = r'trace_id"?\s*[:=]\s*"?([0-9a-fA-F]{32})'
# Grafana expands $VAR in provisioned data sources; `$$` keeps a literal `$`
# (grafana.com/docs/grafana/latest/administration/provisioning/#using-environment-variables).
_TRACE_QUERY = "$${__value.raw}"


def data_sources(config: PlatformConfig) -> list[dict[str, Any]]:
    """Grafana data sources for the stack's Loki and Tempo, linked both ways by trace id.

    kube-prometheus-stack's own Grafana data-source template reads `grafana.additionalDataSources`
    and provisions them beside Prometheus.
    """
    sources: list[dict[str, Any]] = []
    if config.logging is not None:
        loki: dict[str, Any] = {
            "name": "Loki",
            "uid": LOKI_UID,
            "type": "loki",
            "access": "proxy",
            "url": loki_query_url(config.logging),
        }
        if config.tracing is not None:
            link = {"datasourceUid": TEMPO_UID, "url": _TRACE_QUERY, "urlDisplayLabel": "Trace"}
            loki["jsonData"] = {
                "derivedFields": [
                    # Lines Alloy tails from the pods' stdout.
                    {"name": "TraceID", "matcherRegex": TRACE_ID_IN_LINE, **link},
                    # Logs the collector sends over OTLP keep trace_id as structured metadata.
                    {"name": "trace_id", "matcherType": "label", "matcherRegex": "trace_id", **link},
                ]
            }
        sources.append(loki)
    if config.tracing is not None:
        tempo: dict[str, Any] = {
            "name": "Tempo",
            "uid": TEMPO_UID,
            "type": "tempo",
            "access": "proxy",
            "url": tempo_query_url(config.tracing),
        }
        if config.logging is not None:
            # From a span to its service's logs: OTel's service.name is Loki's `service` label.
            tempo["jsonData"] = {
                "tracesToLogsV2": {
                    "datasourceUid": LOKI_UID,
                    "filterByTraceID": True,
                    "tags": [{"key": "service.name", "value": "service"}],
                }
            }
        sources.append(tempo)
    return sources


def alertmanager_config_secret(config: PlatformConfig, alertmanager_yaml: dict[str, Any]) -> Manifest:
    """The Secret the operator's Alertmanager reads `alertmanager.yaml` from."""
    text = yaml.safe_dump(alertmanager_yaml, sort_keys=False)
    return secret(CONFIG_SECRET, config.monitoring.namespace, {"alertmanager.yaml": text})
