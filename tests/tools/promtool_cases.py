"""`promtool test rules` cases for the platform alerts: realistic series from the standard
exporters, proving each alert fires on bad data, waits out its `for`, and stays quiet on
healthy data. Built per stack, because the rules are scoped to the stack's namespace."""

from __future__ import annotations

from typing import Any

from components.config.monitoring import AlertThresholds
from components.config.stack import PlatformConfig
from tests.tools.scrape_labels import target_labels

RUNBOOKS = "https://github.com/proerror/nova-platform/blob/main/docs/runbooks"
ROADMAP_THRESHOLDS = AlertThresholds(
    error_rate=0.05, latency_p95_seconds=1.0, disk_usage=0.85, db_connection_usage=0.8, memory_usage=0.85
)


def _series(name: str, labels: dict[str, str], values: str) -> dict[str, str]:
    inner = ", ".join(f'{key}="{value}"' for key, value in labels.items())
    return {"series": f"{name}{{{inner}}}", "values": values}


def _fires(at: str, alertname: str, labels: dict[str, str], summary: str, description: str) -> dict[str, Any]:
    """promtool compares annotations exactly: the expectation spells out what a responder reads."""
    annotations = {"summary": summary, "description": description, "runbook_url": f"{RUNBOOKS}/{alertname}.md"}
    return {
        "eval_time": at,
        "alertname": alertname,
        "exp_alerts": [{"exp_labels": labels, "exp_annotations": annotations}],
    }


def _metrics_absent(at: str, config: PlatformConfig, color: str) -> dict[str, Any]:
    """NovaServiceMetricsAbsent for one colour of feed-service, firing at `at`."""
    ns = config.namespace
    return _fires(
        at,
        "NovaServiceMetricsAbsent",
        {
            "cluster": config.cluster_name,
            "severity": "warning",
            "namespace": ns,
            "service": "feed-service",
            "color": color,
        },
        f"feed-service ({color}) runs but Prometheus has none of its request metrics",
        f"The {color} pods of feed-service in {ns} are available, but no http_requests_total series "
        "has carried their labels for 10 minutes: HighErrorRate and the SLOs cannot see this colour.",
    )


def _silent(at: str, alertname: str) -> dict[str, Any]:
    return {"eval_time": at, "alertname": alertname, "exp_alerts": []}


def test_document(config: PlatformConfig, rule_file: str) -> dict[str, Any]:
    """The promtool unit-test file for one stack's rendered rule file.

    The expected texts assume the roadmap's thresholds, which every stack uses.
    """
    assert config.monitoring.thresholds == ROADMAP_THRESHOLDS, "cases assume the roadmap's thresholds"
    ns, cluster = config.namespace, config.cluster_name
    common = {"cluster": cluster}
    feed = config.service("feed-service")
    # Series labelled exactly as the PodMonitor's relabelling labels them.
    api = target_labels(ns, "feed-service", "blue", feed.tags["blue"], "feed-service-blue-abc")
    green = target_labels(ns, "feed-service", "green", "9.9.9", "feed-service-green-def")
    pod = {"namespace": ns, "pod": "feed-service-blue-abc", "container": "feed-service"}
    running = {"job": "kube-state-metrics", "namespace": ns}

    def available(color: str, replicas: int) -> dict[str, str]:
        labels = {**running, "deployment": f"feed-service-{color}"}
        return _series("kube_deployment_status_replicas_available", labels, f"{replicas}x20")

    pvc = {"namespace": "databases", "persistentvolumeclaim": "data-postgres-0"}
    db = {"namespace": "databases", "service": "postgres-exporter", "instance": "10.0.0.7:9187"}
    tests: list[dict[str, Any]] = [
        {
            # 100 req/s, 10 of them 5xx: a 10% error ratio. Not 0.05 errors per second.
            "interval": "1m",
            "input_series": [
                _series("http_requests_total", {**api, "status": "200"}, "0+5400x20"),
                _series("http_requests_total", {**api, "status": "500"}, "0+600x20"),
            ],
            "alert_rule_test": [
                _silent("4m", "HighErrorRate"),  # bad, but not yet for 5 minutes
                _fires(
                    "12m",
                    "HighErrorRate",
                    {**common, "severity": "critical", "namespace": ns, "service": "feed-service"},
                    "feed-service: 10% of requests fail",
                    f"More than 5% of feed-service requests in {ns} returned 5xx over the last 5 minutes.",
                ),
            ],
        },
        {
            # 0.2 errors per second out of 100 req/s (0.2%): the roadmap's `> 0.05` would page.
            "interval": "1m",
            "input_series": [
                _series("http_requests_total", {**api, "status": "200"}, "0+5988x20"),
                _series("http_requests_total", {**api, "status": "503"}, "0+12x20"),
            ],
            "alert_rule_test": [_silent("15m", "HighErrorRate")],
        },
        {
            # Blue and green both serve (a switch, a canary): the ratio is over both colours.
            # Green alone fails 10%, but 120 of 6060 requests a minute is 1.98%.
            "interval": "1m",
            "input_series": [
                _series("http_requests_total", {**api, "status": "200"}, "0+5400x20"),
                _series("http_requests_total", {**api, "status": "500"}, "0+60x20"),
                _series("http_requests_total", {**green, "status": "200"}, "0+540x20"),
                _series("http_requests_total", {**green, "status": "500"}, "0+60x20"),
            ],
            "alert_rule_test": [_silent("15m", "HighErrorRate")],
        },
        {
            # Both colours again: 360 of 6000 requests a minute fail (6%), one alert per service.
            "interval": "1m",
            "input_series": [
                _series("http_requests_total", {**api, "status": "200"}, "0+5100x20"),
                _series("http_requests_total", {**api, "status": "500"}, "0+300x20"),
                _series("http_requests_total", {**green, "status": "200"}, "0+540x20"),
                _series("http_requests_total", {**green, "status": "500"}, "0+60x20"),
            ],
            "alert_rule_test": [
                _fires(
                    "12m",
                    "HighErrorRate",
                    {**common, "severity": "critical", "namespace": ns, "service": "feed-service"},
                    "feed-service: 6% of requests fail",
                    f"More than 5% of feed-service requests in {ns} returned 5xx over the last 5 minutes.",
                )
            ],
        },
        {
            # Blue runs two available pods and Prometheus has none of its series: a broken scrape.
            "interval": "1m",
            "input_series": [
                available("blue", 2),
            ],
            "alert_rule_test": [
                _silent("9m", "NovaServiceMetricsAbsent"),
                _metrics_absent("11m", config, "blue"),
            ],
        },
        {
            # Blue is scraped; green was switched to and exports nothing: only green is reported,
            # even though blue's series still name the service.
            "interval": "1m",
            "input_series": [
                available("blue", 2),
                available("green", 2),
                _series("http_requests_total", {**api, "status": "200"}, "0+600x20"),
            ],
            "alert_rule_test": [
                _metrics_absent("15m", config, "green"),
            ],
        },
        {
            # A scraped colour, and an idle colour scaled to zero (no pods, no series): quiet.
            "interval": "1m",
            "input_series": [
                available("blue", 2),
                available("green", 0),
                _series("http_requests_total", {**api, "status": "200"}, "0+600x20"),
            ],
            "alert_rule_test": [_silent("15m", "NovaServiceMetricsAbsent")],
        },
        {
            # Every request takes 1-2.5s: p95 is above 1s.
            "interval": "1m",
            "input_series": [
                _series("http_request_duration_seconds_bucket", {**api, "le": "0.5"}, "0+0x20"),
                _series("http_request_duration_seconds_bucket", {**api, "le": "1"}, "0+0x20"),
                _series("http_request_duration_seconds_bucket", {**api, "le": "2.5"}, "0+600x20"),
                _series("http_request_duration_seconds_bucket", {**api, "le": "+Inf"}, "0+600x20"),
            ],
            "alert_rule_test": [
                _silent("3m", "HighLatencyP95"),
                _fires(
                    "12m",
                    "HighLatencyP95",
                    {**common, "severity": "warning", "service": "feed-service"},
                    # All requests in the (1s, 2.5s] bucket: p95 interpolates to 1 + 1.5 * 0.95.
                    "feed-service: p95 latency 2.425s",
                    "The 95th percentile of feed-service request latency is above 1s.",
                ),
            ],
        },
        {
            # Every request is served under 0.5s.
            "interval": "1m",
            "input_series": [
                _series("http_request_duration_seconds_bucket", {**api, "le": "0.5"}, "0+600x20"),
                _series("http_request_duration_seconds_bucket", {**api, "le": "1"}, "0+600x20"),
                _series("http_request_duration_seconds_bucket", {**api, "le": "+Inf"}, "0+600x20"),
            ],
            "alert_rule_test": [_silent("15m", "HighLatencyP95")],
        },
        {
            # kube-state-metrics: waiting in CrashLoopBackOff, with the series gone briefly
            # while the container restarts.
            "interval": "1m",
            "input_series": [
                _series(
                    "kube_pod_container_status_waiting_reason",
                    {**pod, "reason": "CrashLoopBackOff"},
                    "1 1 1 _ 1 1 1 1 _ 1 1 1 1 1 1",
                )
            ],
            "alert_rule_test": [
                _silent("4m", "PodCrashLooping"),
                _fires(
                    "12m",
                    "PodCrashLooping",
                    {**common, **pod, "severity": "warning"},
                    f"{ns}/feed-service-blue-abc is crash looping",
                    "Container feed-service of pod feed-service-blue-abc has been in CrashLoopBackOff for 5 minutes.",
                ),
            ],
        },
        {
            # A pod waiting for its image (ContainerCreating) is not crash looping.
            "interval": "1m",
            "input_series": [
                _series("kube_pod_container_status_waiting_reason", {**pod, "reason": "ContainerCreating"}, "1x15")
            ],
            "alert_rule_test": [_silent("15m", "PodCrashLooping")],
        },
        {
            # kubelet volume stats: 90 of 100 GiB used.
            "interval": "1m",
            "input_series": [
                _series("kubelet_volume_stats_used_bytes", pvc, "96636764160x20"),
                _series("kubelet_volume_stats_capacity_bytes", pvc, "107374182400x20"),
            ],
            "alert_rule_test": [
                _silent("9m", "HighDiskUsage"),  # its `for` is 10 minutes
                _fires(
                    "11m",
                    "HighDiskUsage",
                    {**common, **pvc, "severity": "warning"},
                    "PVC databases/data-postgres-0 is 90% full",
                    "The volume of PVC data-postgres-0 has been more than 85% used for 10 minutes.",
                ),
            ],
        },
        {
            "interval": "1m",
            "input_series": [
                _series("kubelet_volume_stats_used_bytes", pvc, "53687091200x20"),
                _series("kubelet_volume_stats_capacity_bytes", pvc, "107374182400x20"),
            ],
            "alert_rule_test": [_silent("15m", "HighDiskUsage")],
        },
        {
            # postgres_exporter: 90 connections (across states) out of max_connections 100.
            "interval": "1m",
            "input_series": [
                _series("pg_stat_activity_count", {**db, "datname": "nova", "state": "active"}, "60x20"),
                _series("pg_stat_activity_count", {**db, "datname": "nova", "state": "idle"}, "30x20"),
                _series("pg_settings_max_connections", db, "100x20"),
            ],
            "alert_rule_test": [
                _silent("4m", "DatabaseConnectionPoolNearMax"),
                _fires(
                    "8m",
                    "DatabaseConnectionPoolNearMax",
                    {**common, **db, "severity": "warning"},
                    "PostgreSQL 10.0.0.7:9187 uses 90% of max_connections",
                    "More than 80% of max_connections on 10.0.0.7:9187 are in use; "
                    "new connections will soon be refused.",
                ),
            ],
        },
        {
            "interval": "1m",
            "input_series": [
                _series("pg_stat_activity_count", {**db, "datname": "nova", "state": "active"}, "40x20"),
                _series("pg_settings_max_connections", db, "100x20"),
            ],
            "alert_rule_test": [_silent("15m", "DatabaseConnectionPoolNearMax")],
        },
        {
            # cAdvisor working set at 460Mi of a 512Mi limit (kube-state-metrics).
            "interval": "1m",
            "input_series": [
                _series("container_memory_working_set_bytes", {**pod, "image": "x"}, "482344960x20"),
                _series(
                    "kube_pod_container_resource_limits", {**pod, "resource": "memory", "unit": "byte"}, "536870912x20"
                ),
            ],
            "alert_rule_test": [
                _silent("4m", "HighMemoryUsage"),
                _fires(
                    "8m",
                    "HighMemoryUsage",
                    {**common, **pod, "severity": "warning"},
                    f"{ns}/feed-service-blue-abc uses 89.84% of its memory limit",
                    "Container feed-service has used more than 85% of its memory limit for 5 minutes; "
                    "it will be OOM-killed at the limit.",
                ),
            ],
        },
        {
            # The pause container (container="") and a healthy app container stay quiet.
            "interval": "1m",
            "input_series": [
                _series("container_memory_working_set_bytes", {**pod, "container": ""}, "536870912x20"),
                _series("container_memory_working_set_bytes", {**pod, "image": "x"}, "268435456x20"),
                _series(
                    "kube_pod_container_resource_limits", {**pod, "resource": "memory", "unit": "byte"}, "536870912x20"
                ),
            ],
            "alert_rule_test": [_silent("15m", "HighMemoryUsage")],
        },
    ]
    tests += deployment_cases(config, running)
    return {"rule_files": [rule_file], "evaluation_interval": "1m", "tests": tests}


def deployment_cases(config: PlatformConfig, running: dict[str, str]) -> list[dict[str, Any]]:
    """The rollout, smoke-test and idle-colour alerts on kube-state-metrics series."""
    ns, common = config.namespace, {"cluster": config.cluster_name}

    def deployment(metric: str, color: str, values: str, **extra: str) -> dict[str, str]:
        return _series(metric, {**running, "deployment": f"feed-service-{color}", **extra}, values)

    color = {"namespace": ns, "service": "feed-service"}
    stuck = {**common, "severity": "warning", **color, "color": "green"}
    rollout_text = (
        f"The green Deployment of feed-service in {ns} has not progressed, or has had fewer updated or available "
        "replicas than desired, for 15 minutes."
    )
    idle_text = (
        f"The blue Deployment of feed-service in {ns} has had fewer available replicas than desired for 30 "
        "minutes; switching to it would not be instant."
    )
    smoke = {"job": "kube-state-metrics", "namespace": ns}
    return [
        {
            # green's rollout stopped: Progressing=false (ProgressDeadlineExceeded).
            "interval": "1m",
            "input_series": [
                deployment(
                    "kube_deployment_status_condition", "green", "1x25", condition="Progressing", status="false"
                ),
                deployment("kube_deployment_spec_replicas", "green", "2x25"),
                deployment("kube_deployment_status_replicas_updated", "green", "2x25"),
                deployment("kube_deployment_status_replicas_available", "green", "2x25"),
            ],
            "alert_rule_test": [
                _silent("14m", "NovaRolloutStuck"),
                _fires("16m", "NovaRolloutStuck", stuck, "feed-service (green) is stuck rolling out", rollout_text),
            ],
        },
        {
            # A new ReplicaSet that never becomes available: 1 of 2 updated pods available.
            "interval": "1m",
            "input_series": [
                deployment("kube_deployment_spec_replicas", "green", "2x25"),
                deployment("kube_deployment_status_replicas_updated", "green", "2x25"),
                deployment("kube_deployment_status_replicas_available", "green", "1x25"),
            ],
            "alert_rule_test": [
                _fires("16m", "NovaRolloutStuck", stuck, "feed-service (green) is stuck rolling out", rollout_text)
            ],
        },
        {
            # A rollout that completes within minutes, and a healthy colour: quiet.
            "interval": "1m",
            "input_series": [
                deployment("kube_deployment_spec_replicas", "green", "2x25"),
                deployment("kube_deployment_status_replicas_updated", "green", "0 1 2x23"),
                deployment("kube_deployment_status_replicas_available", "green", "0 0 1 2x22"),
                deployment(
                    "kube_deployment_status_condition", "green", "0x25", condition="Progressing", status="false"
                ),
            ],
            "alert_rule_test": [_silent("20m", "NovaRolloutStuck"), _silent("20m", "NovaIdleColourNotReady")],
        },
        {
            # A failed smoke Job pages the release's owner at once; a failed analysis Job or any
            # other Job of the namespace is not a smoke test.
            "interval": "1m",
            "input_series": [
                _series(
                    "kube_job_status_failed", {**smoke, "job_name": "feed-service-green-smoke-1a2b3c4d"}, "0 0 1x5"
                ),
                _series("kube_job_status_failed", {**smoke, "job_name": "feed-service-analysis-1a2b3c4d"}, "1x5"),
                _series("kube_job_status_failed", {**smoke, "job_name": "db-migrate"}, "1x5"),
            ],
            "alert_rule_test": [
                _silent("1m", "NovaSmokeTestFailed"),
                _fires(
                    "3m",
                    "NovaSmokeTestFailed",
                    {**common, "severity": "warning", "namespace": ns, "job_name": "feed-service-green-smoke-1a2b3c4d"},
                    "Smoke test feed-service-green-smoke-1a2b3c4d failed",
                    f"The smoke test feed-service-green-smoke-1a2b3c4d in {ns} failed: that colour will not take "
                    "traffic, and the release that made it is blocked.",
                ),
            ],
        },
        {
            # The idle colour lost a pod and has not got it back for half an hour.
            "interval": "1m",
            "input_series": [
                deployment("kube_deployment_spec_replicas", "blue", "2x40"),
                deployment("kube_deployment_status_replicas_updated", "blue", "2x40"),
                deployment("kube_deployment_status_replicas_available", "blue", "1x40"),
            ],
            "alert_rule_test": [
                _silent("29m", "NovaIdleColourNotReady"),
                _fires(
                    "31m",
                    "NovaIdleColourNotReady",
                    {**common, "severity": "warning", **color, "color": "blue"},
                    "feed-service (blue) is not fully ready: rollback would not be instant",
                    idle_text,
                ),
            ],
        },
    ]


def annotation_test(config: PlatformConfig, rule_file: str) -> dict[str, Any]:
    """One firing alert checked down to its annotations: summary, description, runbook."""
    ns = config.namespace
    api = target_labels(ns, "feed-service", "blue", "1.0.0", "feed-service-blue-abc")
    return {
        "rule_files": [rule_file],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    _series("http_requests_total", {**api, "status": "200"}, "0+3000x20"),
                    _series("http_requests_total", {**api, "status": "500"}, "0+3000x20"),
                ],
                "alert_rule_test": [
                    {
                        "eval_time": "12m",
                        "alertname": "HighErrorRate",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    "cluster": config.cluster_name,
                                    "severity": "critical",
                                    "namespace": ns,
                                    "service": "feed-service",
                                },
                                "exp_annotations": {
                                    "summary": "feed-service: 50% of requests fail",
                                    "description": f"More than 5% of feed-service requests in {ns} returned 5xx "
                                    "over the last 5 minutes.",
                                    "runbook_url": f"{RUNBOOKS}/HighErrorRate.md",
                                },
                            }
                        ],
                    }
                ],
            }
        ],
    }
