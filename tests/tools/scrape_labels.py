"""The labels a service's series carry once Prometheus scrapes them through its PodMonitor.

promtool cases build their input series from `target_labels`, and tests/tools/test_scrape.py
proves with a real Prometheus that the rendered PodMonitor's relabelling yields exactly these.
"""

from __future__ import annotations


def target_labels(namespace: str, service: str, color: str, version: str, pod: str) -> dict[str, str]:
    """Every target label of one service pod: the operator's own (job, namespace, pod, container,
    endpoint), Prometheus's `instance`, and the PodMonitor's (service, color, version)."""
    return {
        "job": f"{namespace}/{service}",  # the operator's default: <namespace>/<PodMonitor name>
        "instance": "10.0.0.1:8080",
        "namespace": namespace,
        "pod": pod,
        "container": service,
        "endpoint": "http",  # the port scraped
        "service": service,
        "color": color,
        "version": version,
    }
