"""The PodMonitor of one service: Prometheus scrapes the pods of both colours.

A PodMonitor rather than a ServiceMonitor: the routing Service selects only the active
colour, and a ServiceMonitor on the colour Services would label series with the colour
Service's name (`feed-service-blue`). Selecting the pods directly covers both colours with
one object that a flip never touches, and an idle colour scaled to zero simply has no targets.

Field names are prometheus-operator's monitoring.coreos.com/v1 PodMonitor API
(podMetricsEndpoints[].{port,path,interval,relabelings}). The operator itself adds `namespace`,
`pod`, `container`, `endpoint` (the port name) and `job` (`<namespace>/<monitor>`) to every
target (pkg/prometheus/promcfg.go, generatePodMonitorConfig); the relabelings here add the rest.
"""

from __future__ import annotations

from components import conventions
from components.builders import Manifest
from components.builders.bluegreen import serving_selector
from components.config.monitoring import MonitoringSpec
from components.config.services import ServiceSpec

# Target label -> the pod label it is copied from.
TARGET_LABELS = {
    "service": conventions.LABEL_NAME,  # the Kubernetes service name, the same on both colours
    "color": conventions.LABEL_COLOR,
    "version": conventions.LABEL_VERSION,  # the image tag the pod runs
}


def pod_monitor(spec: ServiceSpec, namespace: str, monitoring: MonitoringSpec) -> Manifest:
    """One PodMonitor per service, labelled so that the stack's Prometheus selects it."""
    relabelings = [
        {"action": "replace", "sourceLabels": [conventions.pod_label_meta(label)], "targetLabel": target}
        for target, label in TARGET_LABELS.items()
    ]
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {
            "name": spec.name,
            "namespace": namespace,
            "labels": {
                conventions.LABEL_NAME: spec.name,
                **conventions.owned_labels(),
                **monitoring.monitor_selector,
            },
        },
        "spec": {
            # No namespaceSelector: the monitor's own namespace, where the service runs.
            "selector": {"matchLabels": serving_selector(spec)},
            "podMetricsEndpoints": [
                {
                    "port": spec.metrics_port_name,
                    "path": spec.metrics_path,
                    "interval": monitoring.scrape_interval,
                    "relabelings": relabelings,
                }
            ],
        },
    }
