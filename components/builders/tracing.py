"""Tempo and the OpenTelemetry collector: chart values and the collector's pipelines.

Tempo keys are the tempo chart's (grafana-community/helm-charts, charts/tempo/values.yaml at
the pinned 2.2.4): tempo.{retention,storage.trace,reportingEnabled}, persistence,
serviceAccount; the chart's config template puts tempo.retention into
compactor.compaction.block_retention. Collector keys
are the opentelemetry-collector chart's: mode, image.repository (required by the chart),
command.name, alternateConfig (the whole collector config), clusterRole, ports. Component names follow collector 0.146+:
`k8s_attributes` (was k8sattributes), `otlp_grpc` / `otlp_http` exporters (were otlp / otlphttp).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components import conventions
from components.builders import aws
from components.builders.core import storage_class_value
from components.builders.logging import loki_otlp_url
from components.config.observability import TracingSpec
from components.config.stack import PlatformConfig, volume_classes

SERVICE_ACCOUNT = "tempo"  # fixed: the IRSA trust policy names it
TRACES_BUCKET = "tempo"  # bucket purpose: <bucketPrefix>-<stack>-tempo
COLLECTOR_IMAGE = "otel/opentelemetry-collector-contrib"  # contrib: k8s_attributes, prometheusremotewrite
COLLECTOR_COMMAND = "otelcol-contrib"
PIPELINE_PROCESSORS = ("memory_limiter", "k8s_attributes", "batch")
OTLP_GRPC_PORT = 4317  # the collector's and Tempo's OTLP/gRPC receivers
OTLP_HTTP_PORT = 4318  # the collector's OTLP/HTTP receiver


def tempo_otlp_endpoint(spec: TracingSpec) -> str:
    return f"{conventions.cluster_host(conventions.TEMPO_RELEASE, spec.namespace)}:{OTLP_GRPC_PORT}"


def tempo_query_url(spec: TracingSpec) -> str:
    """Where Grafana queries Tempo."""
    return f"http://{conventions.cluster_host(conventions.TEMPO_RELEASE, spec.namespace)}:3200"


def gateway_endpoint(spec: TracingSpec) -> str:
    """Where applications (and the node agent) send OTLP over gRPC."""
    return f"{conventions.cluster_host(conventions.OTEL_GATEWAY_RELEASE, spec.namespace)}:{OTLP_GRPC_PORT}"


@dataclass(frozen=True)
class Telemetry:
    """Where a stack's services send traces, and how many new traces they keep."""

    stack: str
    endpoint: str  # OTLP over gRPC; `http://` tells the SDKs the gateway speaks plaintext
    sample_ratio: float


def service_telemetry(config: PlatformConfig) -> Telemetry | None:
    """The services' tracing settings; None when the stack runs no collector."""
    if config.tracing is None:
        return None
    return Telemetry(config.stack, f"http://{gateway_endpoint(config.tracing)}", config.tracing.sample_ratio)


# Set from the downward API first: OTEL_RESOURCE_ATTRIBUTES refers to them as $(NAME), and
# Kubernetes expands only variables defined earlier in the list.
POD_NAME_VARIABLE = conventions.POD_NAME_VARIABLE
POD_NAMESPACE_VARIABLE = conventions.POD_NAMESPACE_VARIABLE


def otel_environment(telemetry: Telemetry, service: str, color: str, tag: str) -> list[dict[str, Any]]:
    """The OpenTelemetry SDK environment of one colour's container (the spec's variable names:
    opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).

    Only `nova.color` and `service.version` differ between colours, so a release changes the
    released colour's Deployment alone and a switch changes none.
    """
    attributes = {
        "deployment.environment.name": telemetry.stack,
        "service.namespace": conventions.PART_OF,
        "service.version": tag,
        "nova.color": color,
        "k8s.namespace.name": f"$({POD_NAMESPACE_VARIABLE})",
        "k8s.pod.name": f"$({POD_NAME_VARIABLE})",
    }
    return [
        {"name": POD_NAME_VARIABLE, "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": POD_NAMESPACE_VARIABLE, "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "OTEL_SERVICE_NAME", "value": service},
        {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": telemetry.endpoint},
        {"name": "OTEL_EXPORTER_OTLP_PROTOCOL", "value": "grpc"},
        {"name": "OTEL_RESOURCE_ATTRIBUTES", "value": ",".join(f"{key}={value}" for key, value in attributes.items())},
        {"name": "OTEL_TRACES_SAMPLER", "value": "parentbased_traceidratio"},
        {"name": "OTEL_TRACES_SAMPLER_ARG", "value": f"{telemetry.sample_ratio:g}"},
    ]


def prometheus_remote_write_url(config: PlatformConfig) -> str | None:
    """The installed Prometheus's remote-write receiver; None when the cluster brings its own."""
    if not config.monitoring.install:
        return None
    return f"{config.monitoring.prometheus_url}/api/v1/write"


def tempo_values(config: PlatformConfig, spec: TracingSpec, role_arn: Any = None) -> dict[str, Any]:
    """Tempo monolithic: S3 with IRSA on AWS, the local volume on dev; retention from config."""
    trace: dict[str, Any]
    if config.aws is not None:
        trace = {
            "backend": "s3",
            "s3": {
                "bucket": aws.bucket_name(config, TRACES_BUCKET),
                "endpoint": f"s3.{config.aws.region}.amazonaws.com",
                "region": config.aws.region,
            },
        }
    else:
        trace = {"backend": "local", "local": {"path": "/var/tempo/traces"}}
    return {
        "tempo": {
            "retention": f"{spec.retention_days * 24}h",
            "reportingEnabled": False,
            "storage": {"trace": {**trace, "wal": {"path": "/var/tempo/wal"}}},
        },
        "persistence": {
            "enabled": True,
            "size": spec.storage_size,
            # The chart's StatefulSet reads persistence.storageClassName (templates/statefulset.yaml).
            **storage_class_value("storageClassName", volume_classes(config)["tracing"]),
        },
        "serviceAccount": aws.irsa_service_account(SERVICE_ACCOUNT, role_arn),
    }


def _processors() -> dict[str, Any]:
    return {
        # Refuse data before the pod runs out of memory (limit below the 512Mi container limit).
        "memory_limiter": {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 25},
        "k8s_attributes": {
            "auth_type": "serviceAccount",
            "extract": {
                "metadata": ["k8s.namespace.name", "k8s.pod.name", "k8s.deployment.name", "k8s.node.name"],
                # The colour that served the request: blue/green comparisons in Tempo and Loki.
                "labels": [{"tag_name": "nova.color", "key": conventions.LABEL_COLOR, "from": "pod"}],
            },
            "pod_association": [
                {"sources": [{"from": "resource_attribute", "name": "k8s.pod.ip"}]},
                {"sources": [{"from": "connection"}]},
            ],
        },
        "batch": {},
    }


# k8s_attributes reads pods, namespaces and replicasets (for the Deployment name); nothing else.
_READ_ONLY_RULES = [
    {"apiGroups": [""], "resources": ["pods", "namespaces"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": ["get", "list", "watch"]},
]


# The pod's own address, which the chart sets as MY_POD_IP (templates/_pod.tpl): every listener
# binds to it, as the chart's default config does.
POD_IP = "${env:MY_POD_IP}"
HEALTH_CHECK_PORT = 13133  # the chart's liveness and readiness probes ask here
TELEMETRY_PORT = 8888  # the collector's own metrics, as the chart's default config serves them


def collector_config(config: PlatformConfig, spec: TracingSpec, logs: bool) -> dict[str, Any]:
    """The gateway's whole collector config: otlp -> memory_limiter -> k8s_attributes -> batch.

    Traces go to Tempo, logs to Loki's OTLP endpoint (when logging is on), metrics to
    Prometheus's remote-write receiver (when this stack installs Prometheus). Only what is
    here runs: no Jaeger, Zipkin or Prometheus receiver, no debug exporter, no pipeline of ours
    without a backend.
    """
    processors = list(PIPELINE_PROCESSORS)
    exporters: dict[str, Any] = {
        "otlp_grpc/tempo": {"endpoint": tempo_otlp_endpoint(spec), "tls": {"insecure": True}},
    }
    pipelines: dict[str, Any] = {
        "traces": {"receivers": ["otlp"], "processors": processors, "exporters": ["otlp_grpc/tempo"]},
    }
    if logs and config.logging is not None:
        exporters["otlp_http/loki"] = {"endpoint": loki_otlp_url(config.logging)}
        pipelines["logs"] = {"receivers": ["otlp"], "processors": processors, "exporters": ["otlp_http/loki"]}
    remote_write = prometheus_remote_write_url(config)
    if remote_write is not None:
        exporters["prometheusremotewrite"] = {
            "endpoint": remote_write,
            "resource_to_telemetry_conversion": {"enabled": True},
        }
        pipelines["metrics"] = {"receivers": ["otlp"], "processors": processors, "exporters": ["prometheusremotewrite"]}
    return {
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": f"{POD_IP}:{OTLP_GRPC_PORT}"},
                    "http": {"endpoint": f"{POD_IP}:{OTLP_HTTP_PORT}"},
                }
            }
        },
        "processors": _processors(),
        "exporters": exporters,
        # The chart's probes need health_check ("should never be removed", its values.yaml).
        "extensions": {"health_check": {"endpoint": f"{POD_IP}:{HEALTH_CHECK_PORT}"}},
        "service": {
            "extensions": ["health_check"],
            "telemetry": {
                "metrics": {
                    "readers": [{"pull": {"exporter": {"prometheus": {"host": POD_IP, "port": TELEMETRY_PORT}}}}]
                }
            },
            "pipelines": pipelines,
        },
    }


def gateway_values(config: PlatformConfig, spec: TracingSpec, logs: bool) -> dict[str, Any]:
    """The gateway Deployment of the opentelemetry-collector chart, running collector_config."""
    return {
        "image": {"repository": COLLECTOR_IMAGE},  # the chart ships no default image
        "command": {"name": COLLECTOR_COMMAND},
        # Only OTLP comes in: close the chart's default Jaeger and Zipkin ports.
        "ports": {name: {"enabled": False} for name in ("jaeger-compact", "jaeger-thrift", "jaeger-grpc", "zipkin")},
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
        "replicaCount": spec.gateway_replicas,
        "mode": "deployment",
        "fullnameOverride": conventions.OTEL_GATEWAY_RELEASE,
        "clusterRole": {"create": True, "rules": _READ_ONLY_RULES},
        # alternateConfig, not config: the chart merges `config` into its defaults (Jaeger, Zipkin
        # and Prometheus receivers, the debug exporter, three pipelines), and removing a default
        # takes a null, which never reaches Helm (the provider reads values with nulls skipped:
        # pulumi/pulumi-kubernetes#2034, #3178). alternateConfig replaces the whole config
        # (charts/opentelemetry-collector/templates/_config.tpl, chart 0.170.0).
        "alternateConfig": collector_config(config, spec, logs),
    }
