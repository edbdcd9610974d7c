"""The rendered PodMonitors through a real Prometheus: the labels its relabelling gives a
service's series are exactly those the promtool cases feed the alerts and SLOs.

The operator turns a PodMonitor into a scrape job (prometheus-operator pkg/prometheus/promcfg.go,
generatePodMonitorConfig): keep the pods its selector matches and the named port, copy namespace,
container and pod, set job and endpoint, then apply the monitor's own relabelings. The
Kubernetes discovery a cluster would feed it is stood in for by static targets carrying the
same `__meta_kubernetes_*` labels, built from the rendered Deployments' pod templates.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from typing import Any

import pytest

from components import conventions
from novactl.stack.files import platform_config
from tests.tools.scrape_labels import target_labels

META_POD_LABEL = "__meta_kubernetes_pod_label_"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _sanitized(label: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", label)


def operator_scrape_config(monitor: dict[str, Any]) -> dict[str, Any]:
    """What the operator generates for the monitor's first endpoint, for the fields we use."""
    namespace, name = monitor["metadata"]["namespace"], monitor["metadata"]["name"]
    endpoint = monitor["spec"]["podMetricsEndpoints"][0]
    relabel: list[dict[str, Any]] = [
        {
            "action": "keep",
            "source_labels": [
                META_POD_LABEL + _sanitized(key),
                f"__meta_kubernetes_pod_labelpresent_{_sanitized(key)}",
            ],
            "regex": f"({value});true",
        }
        for key, value in sorted(monitor["spec"]["selector"]["matchLabels"].items())
    ]
    relabel += [
        {"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": endpoint["port"]},
        {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
        {"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"},
        {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        {"target_label": "job", "replacement": f"{namespace}/{name}"},
        {"target_label": "endpoint", "replacement": endpoint["port"]},
    ]
    relabel += [{_snake(key): value for key, value in rule.items()} for rule in endpoint.get("relabelings", [])]
    return {
        "job_name": f"podMonitor/{namespace}/{name}/0",
        "metrics_path": endpoint["path"],
        "scrape_interval": endpoint["interval"],
        "relabel_configs": relabel,
    }


def discovered_targets(deployment: dict[str, Any], pod: str, address: str) -> list[dict[str, str]]:
    """Kubernetes pod discovery's labels for one pod of the Deployment: a target per port."""
    template = deployment["spec"]["template"]
    (container,) = template["spec"]["containers"]
    labels = {
        "__meta_kubernetes_namespace": deployment["metadata"]["namespace"],
        "__meta_kubernetes_pod_name": pod,
        "__meta_kubernetes_pod_container_name": container["name"],
        "__meta_kubernetes_pod_phase": "Running",
    }
    for key, value in template["metadata"]["labels"].items():
        labels[META_POD_LABEL + _sanitized(key)] = value
        labels[f"__meta_kubernetes_pod_labelpresent_{_sanitized(key)}"] = "true"
    return [
        {**labels, "__meta_kubernetes_pod_container_port_name": port["name"], "__address__": address}
        for port in container["ports"]
    ]


def _get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:
        document: dict[str, Any] = json.load(response)
        return document


def _targets(url: str, expected: int) -> dict[str, Any]:
    """The targets once discovery has sorted `expected` of them into active and dropped."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            targets: dict[str, Any] = _get(f"{url}/api/v1/targets?state=any")["data"]
        except OSError:
            time.sleep(0.5)
            continue
        if len(targets["activeTargets"]) + len(targets["droppedTargets"]) >= expected:
            return targets
        time.sleep(0.5)
    pytest.fail("Prometheus did not discover the targets within 60 s")


def test_the_monitor_labels_both_colors_as_the_alerts_expect(rendered, prometheus):
    documents = rendered["staging"].manifests()
    ns = "nova-staging"
    (monitor,) = [d for d in documents if d["kind"] == "PodMonitor" and d["metadata"]["name"] == "feed-service"]
    deployments = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}
    (smoke,) = [d for d in documents if d["kind"] == "Job" and d["metadata"]["name"].startswith("feed-service-blue")]
    static: list[dict[str, Any]] = []
    for color in conventions.COLORS:
        for labels in discovered_targets(
            deployments[f"feed-service-{color}"], f"feed-service-{color}-1", "10.0.0.1:8080"
        ):
            static.append({"targets": [labels.pop("__address__")], "labels": labels})
    # A smoke-test pod carries the service's name label too; it must not be scraped.
    smoke_pod = {
        "metadata": {"namespace": ns},
        "spec": {
            "template": {
                **smoke["spec"]["template"],
                "spec": {"containers": [{"name": "smoke-test", "ports": [{"name": "http"}]}]},
            }
        },
    }
    for labels in discovered_targets(smoke_pod, "feed-service-blue-smoke-1", "10.0.0.2:8080"):
        static.append({"targets": [labels.pop("__address__")], "labels": labels})

    job = {**operator_scrape_config(monitor), "static_configs": static}
    targets = _targets(prometheus({"scrape_configs": [job]}), expected=3)

    active = sorted((t["labels"] for t in targets["activeTargets"]), key=lambda labels: labels["pod"])
    feed = platform_config(rendered["staging"].config).service("feed-service")
    assert active == [
        target_labels(ns, "feed-service", color, feed.tags[color], f"feed-service-{color}-1")
        for color in conventions.COLORS
    ]
    dropped = [t["discoveredLabels"]["__meta_kubernetes_pod_name"] for t in targets["droppedTargets"]]
    assert dropped == ["feed-service-blue-smoke-1"]
