"""Loki and Alloy: chart values, and the Alloy pipeline that ships pod logs.

Loki keys are the loki chart's (grafana-community/helm-charts, charts/loki/values.yaml at the
pinned 18.11.0): deploymentMode, loki.{schemaConfig,storage,compactor,limits_config},
singleBinary/read/write/backend replicas and persistence, serviceAccount. Alloy keys are the
alloy chart's: controller.type, alloy.configMap.content, alloy.mounts.varlog.
"""

from __future__ import annotations

from typing import Any

from components import conventions
from components.builders import aws
from components.builders.core import storage_class_value
from components.config.observability import LoggingSpec
from components.config.stack import PlatformConfig, volume_classes

SERVICE_ACCOUNT = "loki"  # fixed: the IRSA trust policy names it
SCHEMA_FROM = "2024-04-01"  # first day of the v13 schema; never change it once logs are stored
CHUNKS_BUCKET = "loki-chunks"  # bucket purposes: <bucketPrefix>-<stack>-<purpose>
RULER_BUCKET = "loki-ruler"
CHART_MODES = {"SingleBinary": "Monolithic", "SimpleScalable": "SimpleScalable"}
"""`logging.mode` -> the loki chart's deploymentMode."""
# Log labels shared with the services' metrics (builders/scrape.py), so logs, metrics and
# traces join on the same `service` and `color`.
LOG_SERVICE_LABELS = {"service": conventions.LABEL_NAME, "color": conventions.LABEL_COLOR}
# Every label Alloy puts on a log stream -> the pod field it comes from (docs/metrics.md#logs).
# Keyed by the label written, so two labels can read one field but no label is written twice.
LOG_LABELS = {
    "namespace": "__meta_kubernetes_namespace",
    "pod": "__meta_kubernetes_pod_name",
    "container": "__meta_kubernetes_pod_container_name",
    "app": conventions.pod_label_meta(conventions.LABEL_NAME),
    **{target: conventions.pod_label_meta(label) for target, label in LOG_SERVICE_LABELS.items()},
}
# Where Alloy keeps its state, the read position in each log file among it: a hostPath, so a
# restarted or upgraded Alloy resumes where the last one stopped instead of re-sending every
# log on the node (the chart's default, /tmp/alloy, dies with the pod).
ALLOY_STATE_DIR = "/var/lib/alloy"


def loki_query_url(spec: LoggingSpec) -> str:
    """Loki's gateway: where Grafana queries, and the base of the push and OTLP endpoints."""
    return f"http://{conventions.cluster_host(f'{conventions.LOKI_RELEASE}-gateway', spec.namespace)}"


def loki_push_url(spec: LoggingSpec) -> str:
    """The gateway's push endpoint (Alloy)."""
    return f"{loki_query_url(spec)}/loki/api/v1/push"


def loki_otlp_url(spec: LoggingSpec) -> str:
    """The gateway's OTLP endpoint (the collector appends /v1/logs)."""
    return f"{loki_query_url(spec)}/otlp"


def loki_values(config: PlatformConfig, spec: LoggingSpec, role_arn: Any = None) -> dict[str, Any]:
    """Loki with tsdb/v13, retention through the compactor, S3 on AWS and the filesystem on dev.

    `role_arn` (an Output on AWS) goes on the service account for IRSA.
    """
    store = "s3" if config.aws is not None else "filesystem"
    single = spec.mode == "SingleBinary"
    storage: dict[str, Any]
    if config.aws is not None:
        storage = {
            "type": "s3",
            "bucketNames": {
                "chunks": aws.bucket_name(config, CHUNKS_BUCKET),
                "ruler": aws.bucket_name(config, RULER_BUCKET),
            },
            # No keys: the AWS SDK takes the web identity token IRSA injects.
            "s3": {"region": config.aws.region},
        }
    else:
        storage = {"type": "filesystem"}
    # The single binary's StatefulSet reads persistence.enabled; the write and backend
    # workloads read persistence.volumeClaimsEnabled (charts/loki/templates/_workload.tpl).
    volume = {"size": spec.storage_size, **storage_class_value("storageClass", volume_classes(config)["logging"])}
    single_binary_volume = {"persistence": {"enabled": True, **volume}}
    claims = {"persistence": {"volumeClaimsEnabled": True, **volume}}
    return {
        # Chart 18 names the single binary mode Monolithic (SingleBinary is its deprecated alias).
        "deploymentMode": CHART_MODES[spec.mode],
        "loki": {
            "auth_enabled": False,  # one tenant: the cluster
            "commonConfig": {"replication_factor": 1 if single else 3},
            "schemaConfig": {
                "configs": [
                    {
                        "from": SCHEMA_FROM,
                        "store": "tsdb",
                        "object_store": store,
                        "schema": "v13",
                        "index": {"prefix": "index_", "period": "24h"},
                    }
                ]
            },
            "storage": storage,
            "compactor": {
                "retention_enabled": True,
                "delete_request_store": store,
                "working_directory": "/var/loki/compactor",
            },
            "limits_config": {"retention_period": f"{spec.retention_days * 24}h"},
        },
        "serviceAccount": aws.irsa_service_account(SERVICE_ACCOUNT, role_arn),
        "singleBinary": {"replicas": 1, **single_binary_volume} if single else {"replicas": 0},
        "write": {"replicas": 0} if single else {"replicas": 3, **claims},
        "read": {"replicas": 0} if single else {"replicas": 2},
        "backend": {"replicas": 0} if single else {"replicas": 2, **claims},
        # memcached caches, worth it only when scaled out; sized by the stack, not the chart's
        # default (8 GiB of cache a pod).
        "chunksCache": {"enabled": not single, "allocatedMemory": spec.chunks_cache_mb},
        "resultsCache": {"enabled": not single, "allocatedMemory": spec.results_cache_mb},
        "minio": {"enabled": False},
        # The Helm test image is tagged `latest`; the canary is a test aid. Neither runs here.
        "test": {"enabled": False},
        "lokiCanary": {"enabled": False},
    }


def alloy_config(config: PlatformConfig, spec: LoggingSpec) -> str:
    """Tail the log files of this node's pods, label them, and push them to Loki.

    Reads /var/log/pods on the node (alloy.mounts.varlog); the chart sets `HOSTNAME` from
    spec.nodeName (templates/containers/_agent.yaml), so each Alloy tails only its own node.
    """
    rules = "\n".join(
        f'  rule {{\n    source_labels = ["{source}"]\n    target_label  = "{target}"\n  }}'
        for target, source in LOG_LABELS.items()
    )
    return f"""discovery.kubernetes "pods" {{
  role = "pod"
  selectors {{
    role  = "pod"
    field = "spec.nodeName=" + sys.env("HOSTNAME")
  }}
}}

discovery.relabel "pods" {{
  targets = discovery.kubernetes.pods.targets
{rules}
  rule {{
    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    target_label  = "__path__"
    replacement   = "/var/log/pods/*$1/*.log"
  }}
}}

local.file_match "pods" {{
  path_targets = discovery.relabel.pods.output
}}

loki.source.file "pods" {{
  targets    = local.file_match.pods.targets
  forward_to = [loki.process.pods.receiver]
}}

loki.process "pods" {{
  stage.cri {{}}
  forward_to = [loki.write.loki.receiver]
}}

loki.write "loki" {{
  endpoint {{
    url = "{loki_push_url(spec)}"
  }}
  external_labels = {{
    cluster = "{config.cluster_name}",
  }}
}}
"""


def alloy_values(config: PlatformConfig, spec: LoggingSpec) -> dict[str, Any]:
    """Alloy as a DaemonSet with the pipeline above, the node's /var/log mounted read-only,
    and its state (the file positions) on the node, so that a restart re-sends nothing."""
    return {
        "controller": {
            "type": "daemonset",
            "volumes": {
                "extra": [{"name": "state", "hostPath": {"path": ALLOY_STATE_DIR, "type": "DirectoryOrCreate"}}]
            },
        },
        "alloy": {
            "configMap": {"create": True, "content": alloy_config(config, spec)},
            "mounts": {"varlog": True, "extra": [{"name": "state", "mountPath": ALLOY_STATE_DIR}]},
            # The chart passes it to `alloy run --storage.path` (alloy chart values.yaml).
            "storagePath": f"{ALLOY_STATE_DIR}/data",
            "enableReporting": False,
        },
    }
