"""The platform's alert rules (PrometheusRule `nova-alerts`), the roadmap's six done right.

Ratios are ratios (5xx over all requests, not 5xx per second), every alert carries the
`severity` that Alertmanager routes on and the labels it groups and inhibits by, and every
metric is one the standard exporters really publish (kube-state-metrics, kubelet/cAdvisor,
postgres_exporter) or the services' own contract (docs/metrics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components import conventions
from components.builders import Manifest
from components.config.stack import PlatformConfig

ALERT_RULES_NAME = "nova-alerts"


@dataclass(frozen=True)
class Alert:
    """One alerting rule and the words a responder reads."""

    name: str
    expr: str
    duration: str
    severity: str
    summary: str
    description: str

    def rule(self, runbook_base_url: str, cluster: str) -> dict[str, Any]:
        """The rule as Prometheus reads it."""
        return {
            "alert": self.name,
            "expr": self.expr,
            "for": self.duration,
            # `cluster` is set here rather than left to Prometheus' external labels, so routing
            # and inhibition work the same on a cluster whose Prometheus we do not install.
            "labels": {"severity": self.severity, "cluster": cluster},
            "annotations": {
                "summary": self.summary,
                "description": self.description,
                "runbook_url": f"{runbook_base_url}/{self.name}.md",
            },
        }


def _percent(ratio: float) -> str:
    return f"{ratio * 100:g}%"


def platform_alerts(config: PlatformConfig) -> list[Alert]:
    """The six platform alerts, with this stack's namespace and thresholds."""
    ns = config.namespace
    limits = config.monitoring.thresholds
    requests = f'http_requests_total{{namespace="{ns}"}}'
    errors = f'http_requests_total{{namespace="{ns}", status=~"5.."}}'
    buckets = f'http_request_duration_seconds_bucket{{namespace="{ns}"}}'
    return [
        Alert(
            "HighErrorRate",
            f"sum by (namespace, service) (rate({errors}[5m]))\n"
            f"  /\nsum by (namespace, service) (rate({requests}[5m]))\n  > {limits.error_rate:g}",
            "5m",
            "critical",
            "{{ $labels.service }}: {{ $value | humanizePercentage }} of requests fail",
            f"More than {_percent(limits.error_rate)} of {{{{ $labels.service }}}} requests in "
            "{{ $labels.namespace }} returned 5xx over the last 5 minutes.",
        ),
        Alert(
            "HighLatencyP95",
            f"histogram_quantile(0.95, sum by (le, service) (rate({buckets}[5m])))\n  > {limits.latency_p95_seconds:g}",
            "5m",
            "warning",
            "{{ $labels.service }}: p95 latency {{ $value | humanizeDuration }}",
            f"The 95th percentile of {{{{ $labels.service }}}} request latency is above "
            f"{limits.latency_p95_seconds:g}s.",
        ),
        Alert(
            "PodCrashLooping",
            # max_over_time: between restarts the container is briefly running, and the waiting
            # series disappears; without it every restart would reset the `for` clock.
            f"max by (namespace, pod, container) (max_over_time(kube_pod_container_status_waiting_reason"
            f'{{namespace="{ns}", reason="CrashLoopBackOff"}}[5m])) >= 1',
            "5m",
            "warning",
            "{{ $labels.namespace }}/{{ $labels.pod }} is crash looping",
            "Container {{ $labels.container }} of pod {{ $labels.pod }} has been in CrashLoopBackOff for 5 minutes.",
        ),
        Alert(
            "HighDiskUsage",
            "max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes)\n  /\n"
            "max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes)\n"
            f"  > {limits.disk_usage:g}",
            "10m",
            "warning",
            "PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full",
            f"The volume of PVC {{{{ $labels.persistentvolumeclaim }}}} has been more than "
            f"{_percent(limits.disk_usage)} used for 10 minutes.",
        ),
        Alert(
            "DatabaseConnectionPoolNearMax",
            "sum by (namespace, service, instance) (pg_stat_activity_count)\n  /\n"
            "max by (namespace, service, instance) (pg_settings_max_connections)\n"
            f"  > {limits.db_connection_usage:g}",
            "5m",
            "warning",
            "PostgreSQL {{ $labels.instance }} uses {{ $value | humanizePercentage }} of max_connections",
            f"More than {_percent(limits.db_connection_usage)} of max_connections on "
            "{{ $labels.instance }} are in use; new connections will soon be refused.",
        ),
        Alert(
            "HighMemoryUsage",
            f'max by (namespace, pod, container) (container_memory_working_set_bytes{{namespace="{ns}", '
            'container!=""})\n  /\n'
            f'max by (namespace, pod, container) (kube_pod_container_resource_limits{{namespace="{ns}", '
            'resource="memory"})\n'
            f"  > {limits.memory_usage:g}",
            "5m",
            "warning",
            "{{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit",
            f"Container {{{{ $labels.container }}}} has used more than {_percent(limits.memory_usage)} of its "
            "memory limit for 5 minutes; it will be OOM-killed at the limit.",
        ),
    ]


def metrics_absent_alert(config: PlatformConfig) -> Alert:
    """A colour with available pods whose series are missing: a broken scrape, a wrong port or
    a renamed metric would otherwise mute HighErrorRate and every SLO without a word.

    The colour comes from the Deployment's name (`<service>-<colour>`), so the rule is the
    same whichever colour is live and a switch never changes it; a colour scaled to zero has
    no available replicas and never fires.
    """
    ns = config.namespace
    available = _by_color("kube_deployment_status_replicas_available", ns)
    return Alert(
        "NovaServiceMetricsAbsent",
        f"max by (namespace, service, color) ({available}) > 0\n"
        "unless on (namespace, service, color)\n"
        f'count by (namespace, service, color) (http_requests_total{{namespace="{ns}"}})',
        "10m",
        "warning",
        "{{ $labels.service }} ({{ $labels.color }}) runs but Prometheus has none of its request metrics",
        "The {{ $labels.color }} pods of {{ $labels.service }} in {{ $labels.namespace }} are available, but no "
        "http_requests_total series has carried their labels for 10 minutes: HighErrorRate and the SLOs "
        "cannot see this colour.",
    )


def _by_color(metric: str, namespace: str, matchers: str = "") -> str:
    """`metric` of the stack's colour Deployments, labelled with their service and colour."""
    colors = "|".join(conventions.COLORS)
    selector = f'{metric}{{namespace="{namespace}", deployment=~".+-({colors})"{matchers}}}'
    return (
        f'label_replace(label_replace({selector}, "service", "$1", "deployment", "(.+)-(?:{colors})"), '
        f'"color", "$1", "deployment", ".+-({colors})")'
    )


def _short_of(wanted: str, namespace: str) -> str:
    """Colours with fewer `wanted` replicas than desired."""
    desired = _by_color("kube_deployment_spec_replicas", namespace)
    return f"max by (namespace, service, color) ({desired} - {_by_color(wanted, namespace)}) > 0"


def deployment_alerts(config: PlatformConfig) -> list[Alert]:
    """A rollout that stopped, a smoke test that failed, an idle colour not ready for rollback.

    All three are warnings: blue/green keeps traffic on the colour that works, so none of them
    hurts users by itself (HighErrorRate and the SLO burn alerts page when users are hurt); each
    blocks a release or a rollback, which someone must look at within working hours.
    """
    ns = config.namespace
    colors = "|".join(conventions.COLORS)
    stalled = _by_color("kube_deployment_status_condition", ns, ', condition="Progressing", status="false"')
    return [
        Alert(
            "NovaRolloutStuck",
            f"max by (namespace, service, color) ({stalled}) == 1\n"
            f"or\n{_short_of('kube_deployment_status_replicas_updated', ns)}\n"
            f"or\n{_short_of('kube_deployment_status_replicas_available', ns)}",
            "15m",
            "warning",
            "{{ $labels.service }} ({{ $labels.color }}) is stuck rolling out",
            "The {{ $labels.color }} Deployment of {{ $labels.service }} in {{ $labels.namespace }} has not "
            "progressed, or has had fewer updated or available replicas than desired, for 15 minutes.",
        ),
        Alert(
            "NovaSmokeTestFailed",
            f'max by (namespace, job_name) (kube_job_status_failed{{namespace="{ns}", '
            f'job_name=~".+-({colors})-smoke-.+"}}) > 0',
            "0m",
            "warning",
            "Smoke test {{ $labels.job_name }} failed",
            "The smoke test {{ $labels.job_name }} in {{ $labels.namespace }} failed: that colour will not "
            "take traffic, and the release that made it is blocked.",
        ),
        Alert(
            "NovaIdleColourNotReady",
            _short_of("kube_deployment_status_replicas_available", ns),
            "30m",
            "warning",
            "{{ $labels.service }} ({{ $labels.color }}) is not fully ready: rollback would not be instant",
            "The {{ $labels.color }} Deployment of {{ $labels.service }} in {{ $labels.namespace }} has had "
            "fewer available replicas than desired for 30 minutes; switching to it would not be instant.",
        ),
    ]


def rule_groups(config: PlatformConfig) -> list[dict[str, Any]]:
    """The `groups:` of the platform alerts, as promtool and the operator read them."""
    runbooks = config.monitoring.runbook_base_url
    alerts = [*platform_alerts(config), metrics_absent_alert(config), *deployment_alerts(config)]
    rules = [alert.rule(runbooks, config.cluster_name) for alert in alerts]
    return [{"name": "nova-platform", "rules": rules}]


def prometheus_rule(name: str, groups: list[dict[str, Any]], config: PlatformConfig) -> Manifest:
    """A PrometheusRule in the monitoring namespace, labelled so the operator loads it."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": name,
            "namespace": config.monitoring.namespace,
            "labels": {
                **config.monitoring.rule_selector,
                **conventions.owned_labels(),
            },
        },
        "spec": {"groups": groups},
    }
