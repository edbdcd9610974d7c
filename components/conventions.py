"""What must agree everywhere: names, label keys, colours and pinned versions.

Builders, components, policies, tests and novactl all import these; nothing else spells them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

PROJECT: Final = "nova-platform"
"""The Pulumi project name, also the config namespace (`nova-platform:<key>`)."""

Color = Literal["blue", "green"]
COLORS: Final[tuple[Color, Color]] = ("blue", "green")

# The colour label never appears in a selector that can change: each Deployment's selector
# carries its own fixed colour, and only the active Service's selector moves between colours.
LABEL_NAME: Final = "app.kubernetes.io/name"
LABEL_INSTANCE: Final = "app.kubernetes.io/instance"
LABEL_VERSION: Final = "app.kubernetes.io/version"
LABEL_COMPONENT: Final = "app.kubernetes.io/component"
LABEL_PART_OF: Final = "app.kubernetes.io/part-of"
LABEL_MANAGED_BY: Final = "app.kubernetes.io/managed-by"
LABEL_COLOR: Final = "nova.social/color"
PART_OF: Final = "nova"
SERVER_COMPONENT: Final = "server"
"""`app.kubernetes.io/component` of the pods that serve traffic (smoke tests are `smoke-test`)."""
MANAGED_BY: Final = "pulumi"

ZONE_TOPOLOGY_KEY: Final = "topology.kubernetes.io/zone"

POD_NAME_VARIABLE: Final = "POD_NAME"
POD_NAMESPACE_VARIABLE: Final = "POD_NAMESPACE"
OTEL_VARIABLES: Final = (
    "OTEL_SERVICE_NAME",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
)
PLATFORM_ENV_NAMES: Final = frozenset((POD_NAME_VARIABLE, POD_NAMESPACE_VARIABLE, *OTEL_VARIABLES))
"""Variables the platform sets in every service container itself; a service may not set them."""
# Values that are credentials whatever they are called: Slack webhooks and tokens, private
# keys, AWS access key ids, GitHub tokens, PagerDuty integration URLs, Stripe live keys.
SECRET_MATERIAL: Final = re.compile(
    r"https://hooks\.slack\.com/services/\S+"
    r"|xox[abprs]-[0-9A-Za-z-]{10,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\bgh[pousr]_[0-9A-Za-z]{36}\b"
    r"|events\.pagerduty\.com/\S*[0-9a-f]{32}"
    r"|\b[sr]k_live_[0-9A-Za-z]{10,}"
)
# Variable names that say they hold a credential: *_PASSWORD, *_TOKEN, *_KEY, anything SECRET.
CREDENTIAL_VARIABLE: Final = re.compile(r"(^|_)(PASSWORD|PASSWD|TOKEN|KEY)$|SECRET", re.IGNORECASE)

HTTP_PORT_NAME: Final = "http"
METRICS_PORT_NAME: Final = "metrics"
"""The container port a service may add for /metrics when it does not serve them on `http`."""

MONITORING_RELEASE: Final = "kube-prometheus-stack"
"""Fixed Helm release name: the chart's operator loads PrometheusRules labelled `release: <it>`."""
PROMETHEUS_PORT: Final = 9090

# Fixed Helm release names: Services that other pieces send to are named after them.
ARGOCD_RELEASE: Final = "argocd"
LOKI_RELEASE: Final = "loki"  # -> Service loki-gateway (Alloy, the collector, Grafana)
ALLOY_RELEASE: Final = "alloy"
TEMPO_RELEASE: Final = "tempo"  # -> Service tempo (the collector, Grafana)
OTEL_GATEWAY_RELEASE: Final = "otel-gateway"  # -> Service otel-gateway (every service sends OTLP here)
INFLUXDB_RELEASE: Final = "influxdb"


@dataclass(frozen=True)
class HelmChart:
    """One pinned Helm chart: where it comes from, which version, and why that one.

    `app_version` and `digest` are the chart repository's own index.yaml entry for `version`
    (the digest is the sha256 of the chart archive Helm downloads), read on `checked`; the
    steps to move a pin are in docs/platform.md ("Bumping a chart").
    """

    repo: str
    chart: str
    version: str
    app_version: str
    digest: str
    checked: str
    why: str


CHARTS: Final[dict[str, HelmChart]] = {
    "kube-prometheus-stack": HelmChart(
        repo="https://prometheus-community.github.io/helm-charts",
        chart="kube-prometheus-stack",
        version="81.6.2",
        app_version="v0.88.1",
        digest="c6d7cf1b6cc50da4287b11b241a122ffec98598712aed0b6227de8e48f13fe0f",
        checked="2026-11-29",
        why="Prometheus operator, Prometheus, Alertmanager, Grafana, kube-state-metrics, node exporter",
    ),
    "argo-cd": HelmChart(
        repo="https://argoproj.github.io/argo-helm",
        chart="argo-cd",
        version="9.5.7",
        app_version="v3.3.8",
        digest="ad624b2f742aabcfcfcd3e1026092d53534aa1d26110640d0523f8ad9df01845",
        checked="2026-11-29",
        why="ArgoCD 3.x; 3.2+ reads application.sync.requireOverridePrivilegeForRevisionSync",
    ),
    "loki": HelmChart(
        # Grafana handed its OSS charts to grafana-community on 2026-01-30 (grafana/helm-charts#4087).
        repo="https://grafana-community.github.io/helm-charts",
        chart="loki",
        version="18.11.0",
        app_version="3.7.6",
        digest="d4d99424d197e1460878093c9fced02346669ab0698a0dca7c575ab76fff7aeb",
        checked="2026-11-29",
        why="Loki 3.7 (tsdb, schema v13, OTLP ingestion); replaces the deprecated loki-stack",
    ),
    "alloy": HelmChart(
        repo="https://grafana.github.io/helm-charts",
        chart="alloy",
        version="1.10.0",
        app_version="v1.17.0",
        digest="abc71e8a846065b48f0f983bdc37b89c465690f1797c3df314dee4c5019db5d5",
        checked="2026-11-29",
        why="Grafana Alloy, the log shipper after Promtail's end of life (March 2026)",
    ),
    "tempo": HelmChart(
        repo="https://grafana-community.github.io/helm-charts",
        chart="tempo",
        version="2.2.4",
        app_version="2.10.8",
        digest="5f3f4b29c4487b9c27715c18bc6c7b0889712b14075d97705f9b151a51725f68",
        checked="2026-11-29",
        # The newest published tempo chart (no 3.x chart exists in the index): Tempo 2 still
        # runs the compactor, which applies tempo.retention as block_retention.
        why="Tempo 2.10 monolithic; retention through the compactor's block_retention",
    ),
    "opentelemetry-collector": HelmChart(
        repo="https://open-telemetry.github.io/opentelemetry-helm-charts",
        chart="opentelemetry-collector",
        version="0.170.0",
        app_version="0.158.0",
        digest="ed140b332233075c7fd15eaebba571fdf100926f08c0a5a274c7b32895315137",
        checked="2026-11-29",
        why="collector 0.158: otlp_grpc/otlp_http exporters and k8s_attributes processor names",
    ),
    "influxdb2": HelmChart(
        repo="https://helm.influxdata.com/",
        chart="influxdb2",
        version="2.1.2",
        app_version="2.7.4",
        digest="1da8b1e8a2b93e9acbb0bc9a9c0a3e526581ccde4bf271785d09699ed219ca08",
        checked="2026-11-29",
        why="InfluxDB 2 with adminUser.existingSecret and a persistent volume",
    ),
}
"""The one table of pinned charts; every Helm release takes its chart from here."""

KUBERNETES_VERSION: Final = "1.34.0"
"""The EKS control-plane version our manifests are validated against (kubernetes-validate)."""

# Both Job images are pinned by digest (the multi-arch index of the tag): a tag on Docker Hub
# can be pushed again, a digest cannot. Bump tag and digest together (docs/security.md).
SMOKE_TEST_IMAGE: Final = (
    "curlimages/curl:8.16.0@sha256:463eaf6072688fe96ac64fa623fe73e1dbe25d8ad6c34404a669ad3ce1f104b6"
)
"""Default image of the smoke-test Job; a stack may override it with `smokeTestImage` (a
mirror in the stack's own registry, by digest on production)."""

SMOKE_TEST_USER: Final = 100
"""curlimages/curl runs as its own non-root user `curl_user` (uid 100)."""

ANALYSIS_IMAGE: Final = "python:3.13.9-slim@sha256:326df678c20c78d465db501563f3492d17c42a4afe33a1f2bf5406a1d56b0e86"
"""The analysis Job's image: the official Python image (the program needs the standard library only)."""
ANALYSIS_USER: Final = 65534  # nobody: the image has no user of its own
ANALYSIS_CONFIG_MAP: Final = "nova-analysis"
ANALYSIS_PROGRAM: Final = "nova_analysis.py"
ANALYSIS_REPORT_ONLY: Final = "--report-only"
"""The analysis program's flag for `analysis.enabled: false`: the verdict is printed, never fails."""
STRICT_STACKS: Final = ("production",)
"""Stacks that refuse what the others only warn about (IAM wildcards and escalation, Job images
without a digest) and that the production-guardrails policy holds."""

DNS_LABEL: Final = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
"""RFC 1123 label, the shape of Kubernetes names for Services and namespaces."""

DNS_LABEL_MAX: Final = 63

SMOKE_HASH_LENGTH: Final = 8

# The longest name derived from a service, its smoke-test Job "<service>-green-smoke-<hash>",
# must stay a DNS label: Kubernetes copies a Job's name into a label of its pods.
SERVICE_NAME_MAX: Final = DNS_LABEL_MAX - len("-green-smoke-") - SMOKE_HASH_LENGTH


def owned_labels() -> dict[str, str]:
    """Labels on every object this program owns."""
    return {LABEL_PART_OF: PART_OF, LABEL_MANAGED_BY: MANAGED_BY}


def pod_label_meta(label: str) -> str:
    """The Kubernetes service-discovery meta label of a pod label, as Prometheus and Alloy
    name it: `nova.social/color` -> `__meta_kubernetes_pod_label_nova_social_color`."""
    return "__meta_kubernetes_pod_label_" + re.sub(r"[^a-zA-Z0-9_]", "_", label)


def color_name(service: str, color: Color) -> str:
    """The name of a colour's Deployment, Service, PDB and HPA: `feed-service-green`."""
    return f"{service}-{color}"


def cluster_host(service: str, namespace: str) -> str:
    """The in-cluster DNS name of a Service: `<service>.<namespace>.svc.cluster.local`."""
    return f"{service}.{namespace}.svc.cluster.local"


def service_account_name(service: str) -> str:
    """The ServiceAccount both colours of a service run as (and an IRSA trust policy names)."""
    return service


def env_secret_name(service: str) -> str:
    """The Secret holding a service's own secrets (`secretEnv`), shared by both colours."""
    return f"{service}-env"


def repository_name(service: str) -> str:
    """A service's image repository within a registry (also its ECR repository name)."""
    return f"nova/{service}"


def other_color(color: Color) -> Color:
    """The colour that is not `color`."""
    return "green" if color == "blue" else "blue"
