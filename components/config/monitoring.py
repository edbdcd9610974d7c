"""The `monitoring` block of the stack config: install mode, routing targets, thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from components import conventions
from components.config.fields import (
    ConfigError,
    boolean,
    bounded_duration,
    choice,
    dns_label,
    https_url,
    mapping,
    namespace_name,
    quantity,
    reject_unknown,
    string,
)
from components.config.quantities import parse_quantity

Notifications = Literal["required", "off"]
NOTIFICATIONS: tuple[Notifications, ...] = ("required", "off")

_NOTIFICATION_SECRETS = ("slackWebhookUrl", "pagerdutyRoutingKey")


@dataclass(frozen=True)
class AlertThresholds:
    """Where the platform alerts fire; ratios are fractions (0.05 is 5%)."""

    error_rate: float
    latency_p95_seconds: float
    disk_usage: float
    db_connection_usage: float
    memory_usage: float


@dataclass(frozen=True)
class MonitoringStorage:
    """Persistent volumes of the installed Prometheus and Alertmanager."""

    prometheus: str  # holds the TSDB: the SLOs' 30 days and a margin
    alertmanager: str  # holds silences and the notification log across restarts
    storage_class: str | None = None  # None: the cluster's default StorageClass


@dataclass(frozen=True)
class MonitoringSpec:
    """How this stack monitors and alerts."""

    install: bool  # False: the cluster already runs the Prometheus operator
    namespace: str
    rule_selector: Mapping[str, str]  # labels that make the operator load our rules
    monitor_selector: Mapping[str, str]  # labels that make Prometheus select our PodMonitors
    prometheus_url: str  # where the analysis Jobs query Prometheus, in the cluster
    scrape_interval: str  # how often Prometheus scrapes each service pod
    notifications: Notifications  # off: every alert goes to a null receiver
    alert_channel: str  # Slack channel for warnings (and a copy of every page)
    default_channel: str  # Slack channel for anything without a known severity
    thresholds: AlertThresholds
    runbook_base_url: str
    slo_budget_alert: float  # fraction of an SLO's 30-day error budget spent that raises a warning
    storage: MonitoringStorage | None = None  # None with install: false (not ours to size)


_DEFAULT_THRESHOLDS = {
    "errorRate": 0.05,
    "latencyP95Seconds": 1.0,
    "diskUsage": 0.85,
    "dbConnectionUsage": 0.8,
    "memoryUsage": 0.85,
}
_DEFAULT_RUNBOOKS = "https://github.com/proerror/nova-platform/blob/main/docs/runbooks"
_KEYS = (
    "install",
    "namespace",
    "ruleSelector",
    "monitorSelector",
    "prometheusUrl",
    "scrapeInterval",
    "notifications",
    "slack",
    "thresholds",
    "runbookBaseUrl",
    "sloBudgetAlert",
    "storage",
)
_DEFAULT_STORAGE = {"prometheus": "50Gi", "alertmanager": "1Gi"}
# Prometheus is given a size cap of this share of its volume, so a busy week ages data out
# instead of filling the disk (which stops ingestion).
PROMETHEUS_VOLUME_SHARE = 0.8
_MIN_PROMETHEUS_VOLUME = 2 * 2**30


def parse_monitoring(raw: Any, secrets: set[str], stack: str) -> MonitoringSpec:
    """Validate `monitoring` (absent means all defaults); `secrets` are the secret keys set."""
    block = mapping(raw if raw is not None else {}, "monitoring")
    reject_unknown(block, _KEYS, "monitoring")
    install = boolean(block.get("install", True), "monitoring.install")
    namespace = namespace_name(block.get("namespace", "monitoring"), "monitoring.namespace")
    rule_selector = _selector(block, "ruleSelector", install, "rules")
    monitor_selector = _selector(block, "monitorSelector", install, "PodMonitors")
    prometheus_url = _prometheus_url(block, install, namespace)
    notifications = choice(block.get("notifications", "required"), "monitoring.notifications", NOTIFICATIONS)
    if notifications == "required":
        for key in _NOTIFICATION_SECRETS:
            if key not in secrets:
                raise ConfigError(
                    key,
                    f"is required while monitoring.notifications is required: "
                    f"pulumi config set --secret {key} <value> -s {stack}",
                )
    if install and "grafanaAdminPassword" not in secrets:
        raise ConfigError(
            "grafanaAdminPassword",
            f"is required to install Grafana: pulumi config set --secret grafanaAdminPassword <value> -s {stack}",
        )
    slack = mapping(block.get("slack", {}), "monitoring.slack")
    reject_unknown(slack, ("alertChannel", "defaultChannel"), "monitoring.slack")
    return MonitoringSpec(
        install=install,
        namespace=namespace,
        rule_selector=rule_selector,
        monitor_selector=monitor_selector,
        prometheus_url=prometheus_url,
        scrape_interval=bounded_duration(block.get("scrapeInterval", "30s"), "monitoring.scrapeInterval", "5m"),
        notifications=notifications,
        alert_channel=_channel(slack.get("alertChannel", f"#nova-alerts-{stack}"), "monitoring.slack.alertChannel"),
        default_channel=_channel(slack.get("defaultChannel", "#nova-ops"), "monitoring.slack.defaultChannel"),
        thresholds=_thresholds(block.get("thresholds", {})),
        runbook_base_url=https_url(block.get("runbookBaseUrl", _DEFAULT_RUNBOOKS), "monitoring.runbookBaseUrl"),
        slo_budget_alert=_fraction(block.get("sloBudgetAlert", 0.5), "monitoring.sloBudgetAlert"),
        storage=_storage(block.get("storage"), install),
    )


def _storage(raw: Any, install: bool) -> MonitoringStorage | None:
    key = "monitoring.storage"
    if not install:
        if raw is not None:
            raise ConfigError(key, "only with install: true; a Prometheus of your own keeps its own volumes")
        return None
    block = mapping(raw if raw is not None else {}, key)
    reject_unknown(block, ("prometheus", "alertmanager", "storageClass"), key)
    sizes = {name: quantity(block.get(name, size), f"{key}.{name}") for name, size in _DEFAULT_STORAGE.items()}
    if parse_quantity(sizes["prometheus"]) < _MIN_PROMETHEUS_VOLUME:
        raise ConfigError(
            f"{key}.prometheus", f"{sizes['prometheus']!r} is too small for 30 days of SLO data; 2Gi at least"
        )
    storage_class = block.get("storageClass")
    return MonitoringStorage(
        prometheus=sizes["prometheus"],
        alertmanager=sizes["alertmanager"],
        storage_class=None if storage_class is None else dns_label(storage_class, f"{key}.storageClass"),
    )


def _fraction(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(key, f"expected a number, got {value!r}")
    if not 0 < value < 1:
        raise ConfigError(key, f"{value} must be between 0 and 1 (0.5 is half the budget)")
    return float(value)


def _thresholds(raw: Any) -> AlertThresholds:
    block = mapping(raw, "monitoring.thresholds")
    reject_unknown(block, tuple(_DEFAULT_THRESHOLDS), "monitoring.thresholds")
    values = {**_DEFAULT_THRESHOLDS}
    for name, value in block.items():
        key = f"monitoring.thresholds.{name}"
        if name != "latencyP95Seconds":
            values[name] = _fraction(value, key)
        elif isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(key, f"{value!r} must be a number of seconds greater than 0")
        else:
            values[name] = float(value)
    return AlertThresholds(
        error_rate=values["errorRate"],
        latency_p95_seconds=values["latencyP95Seconds"],
        disk_usage=values["diskUsage"],
        db_connection_usage=values["dbConnectionUsage"],
        memory_usage=values["memoryUsage"],
    )


def _selector(block: Mapping[str, Any], name: str, install: bool, what: str) -> Mapping[str, str]:
    """The labels our `what` carry so that Prometheus loads them.

    The installed chart keeps `*SelectorNilUsesHelmValues: true`, so its Prometheus selects
    `release: <release name>`; a cluster's own operator says which labels in config.
    """
    key = f"monitoring.{name}"
    if install:
        if name in block:
            raise ConfigError(
                key, f"only for install: false; the installed stack selects `release: {conventions.MONITORING_RELEASE}`"
            )
        return {"release": conventions.MONITORING_RELEASE}
    return _labels(block.get(name), key, what)


def _prometheus_url(block: Mapping[str, Any], install: bool, namespace: str) -> str:
    """The installed Prometheus's in-cluster URL, or the cluster's own (`prometheusUrl`)."""
    key = "monitoring.prometheusUrl"
    if install:
        if "prometheusUrl" in block:
            raise ConfigError(key, "only for install: false; the installed Prometheus's URL is known")
        host = conventions.cluster_host(f"{conventions.MONITORING_RELEASE}-prometheus", namespace)
        return f"http://{host}:{conventions.PROMETHEUS_PORT}"
    if "prometheusUrl" not in block:
        raise ConfigError(key, "is required with install: false (the Prometheus the analysis Jobs query)")
    url = string(block["prometheusUrl"], key)
    if not url.startswith(("http://", "https://")) or url.endswith("/"):
        raise ConfigError(key, f"{url!r} is not a base URL (http://host:port, no trailing '/')")
    return url


def _labels(raw: Any, key: str, what: str) -> dict[str, str]:
    if raw is None:
        raise ConfigError(key, f"is required with install: false (the labels your Prometheus selects {what} by)")
    block = mapping(raw, key)
    if not block:
        raise ConfigError(key, "needs at least one label")
    return {str(name): string(value, f"{key}.{name}") for name, value in block.items()}


def _channel(value: Any, key: str) -> str:
    text = string(value, key)
    if not text.startswith(("#", "@")):
        raise ConfigError(key, f"{text!r} is not a Slack channel (#channel)")
    return text
