"""Pure builders for one blue/green service: ServiceSpec in, Kubernetes manifests out.

The blue/green invariants live here, so unit tests pin them down without an engine:
- each colour's Deployment selects its own fixed colour, so no selector ever changes;
- only the active Service's selector names the active colour, and nothing else on it does,
  so a flip edits exactly that one field;
- everything that carries the image tag belongs to one colour, so a release touches only it.
"""

from __future__ import annotations

from typing import Any

from components import conventions
from components.builders import Manifest, spec_hash
from components.builders.tracing import Telemetry, otel_environment
from components.config.services import ProbeSpec, ServiceSpec
from components.conventions import Color

_NON_ROOT_UID = 10001
_TMP_VOLUME = "tmp"


def service_labels(spec: ServiceSpec) -> dict[str, str]:
    """Labels every object of the service carries, whatever its colour."""
    return {
        conventions.LABEL_NAME: spec.name,
        **conventions.owned_labels(),
    }


def color_selector(spec: ServiceSpec, color: Color) -> dict[str, str]:
    """The selector of one colour's pods; fixed for the life of that colour's Deployment."""
    return {conventions.LABEL_NAME: spec.name, conventions.LABEL_COLOR: color}


def serving_selector(spec: ServiceSpec, color: Color | None = None) -> dict[str, str]:
    """The serving pods of one colour (of both when `color` is None): what Services route to and
    budgets count. Not color_selector: the smoke-test and analysis Job pods carry the same name
    and colour labels, and a budget that matches a Job's pods blocks every eviction (the
    disruption controller cannot scale a Job: disruptionsAllowed stays 0)."""
    selector = {conventions.LABEL_NAME: spec.name, conventions.LABEL_COMPONENT: conventions.SERVER_COMPONENT}
    return selector if color is None else {**selector, conventions.LABEL_COLOR: color}


def color_labels(spec: ServiceSpec, color: Color) -> dict[str, str]:
    """Labels of one colour's objects (the tag is only on what that colour runs)."""
    return {
        **service_labels(spec),
        conventions.LABEL_INSTANCE: conventions.color_name(spec.name, color),
        conventions.LABEL_COMPONENT: conventions.SERVER_COMPONENT,
        conventions.LABEL_COLOR: color,
    }


def _metadata(name: str, namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": labels}


def _probe(spec: ServiceSpec, probe: ProbeSpec) -> dict[str, Any]:
    return {
        "httpGet": {"path": spec.health_path, "port": "http"},
        "initialDelaySeconds": probe.initial_delay_seconds,
        "periodSeconds": probe.period_seconds,
        "timeoutSeconds": probe.timeout_seconds,
        "failureThreshold": probe.failure_threshold,
    }


def restricted_container_security() -> dict[str, Any]:
    """The Pod Security Standard 'restricted' profile for one container."""
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _container_ports(spec: ServiceSpec) -> list[dict[str, Any]]:
    ports = [{"name": conventions.HTTP_PORT_NAME, "containerPort": spec.port, "protocol": "TCP"}]
    if spec.metrics_port is not None:
        ports.append({"name": conventions.METRICS_PORT_NAME, "containerPort": spec.metrics_port, "protocol": "TCP"})
    ports += [{"name": name, "containerPort": number, "protocol": "TCP"} for name, number in spec.ports.items()]
    return ports


def _environment(spec: ServiceSpec, color: Color, telemetry: Telemetry | None) -> list[dict[str, Any]]:
    """The platform's variables first (later ones may refer to them as $(NAME)), then the
    service's literal ones for this colour, then its secrets by reference."""
    env = otel_environment(telemetry, spec.name, color, spec.tags[color]) if telemetry is not None else []
    env += [{"name": name, "value": value} for name, value in sorted(spec.env_for(color).items())]
    secret = conventions.env_secret_name(spec.name)
    env += [
        {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": name}}} for name in sorted(spec.secret_env)
    ]
    return env


def _env_from(spec: ServiceSpec) -> list[dict[str, Any]]:
    kinds = {"configMap": "configMapRef", "secret": "secretRef"}
    return [{kinds[source.kind]: {"name": source.name, "optional": source.optional}} for source in spec.env_from]


def deployment(
    spec: ServiceSpec, color: Color, namespace: str, image: Any, telemetry: Telemetry | None = None
) -> Manifest:
    """The Deployment of one colour, running `image` (that colour's tag; a string, or an Output
    when it comes from the ECR repository's URL). With `telemetry`, the container gets the
    OpenTelemetry SDK environment."""
    tag = spec.tags[color]
    labels = {**color_labels(spec, color), conventions.LABEL_VERSION: tag}
    selector = color_selector(spec, color)
    container: dict[str, Any] = {
        "name": spec.name,
        "image": image,
        "ports": _container_ports(spec),
        "readinessProbe": _probe(spec, spec.readiness),
        "livenessProbe": _probe(spec, spec.liveness),
        "resources": {
            "requests": {"cpu": spec.resources.cpu, "memory": spec.resources.memory},
            "limits": {"memory": spec.resources.memory_limit},
        },
        "securityContext": restricted_container_security(),
        "volumeMounts": [{"name": _TMP_VOLUME, "mountPath": "/tmp"}],
    }
    env = _environment(spec, color, telemetry)
    if env:
        container["env"] = env
    if spec.env_from:
        container["envFrom"] = _env_from(spec)
    if spec.command is not None:
        container["command"] = list(spec.command)
    if spec.args is not None:
        container["args"] = list(spec.args)
    if spec.drain_seconds:
        # Endpoints are removed asynchronously: keep serving until kube-proxy and the load
        # balancer have stopped sending new connections. The sleep action needs no shell in
        # the image (Kubernetes 1.30+, PodLifecycleSleepAction).
        container["lifecycle"] = {"preStop": {"sleep": {"seconds": spec.drain_seconds}}}
    pod_spec: dict[str, Any] = {
        "serviceAccountName": conventions.service_account_name(spec.name),
        "automountServiceAccountToken": spec.kubernetes_api,
        # The grace period starts with preStop, so it covers the drain and then the shutdown.
        "terminationGracePeriodSeconds": spec.drain_seconds + spec.shutdown_seconds,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": _NON_ROOT_UID,
            "runAsGroup": _NON_ROOT_UID,
            "fsGroup": _NON_ROOT_UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": conventions.ZONE_TOPOLOGY_KEY,
                # ScheduleAnyway: a zone outage must not stop the survivors from scheduling.
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector},
                # Spread each rollout's pods on their own, not mixed with the old ReplicaSet's.
                "matchLabelKeys": ["pod-template-hash"],
            }
        ],
        "containers": [container],
        "volumes": [{"name": _TMP_VOLUME, "emptyDir": {}}],
    }
    deployment_spec: dict[str, Any] = {
        "revisionHistoryLimit": 5,
        "selector": {"matchLabels": selector},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
        "template": {"metadata": {"labels": labels}, "spec": pod_spec},
    }
    replicas = spec.replicas_for(color)
    if replicas is not None:
        deployment_spec["replicas"] = replicas
    name = conventions.color_name(spec.name, color)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(name, namespace, labels),
        "spec": deployment_spec,
    }


def _service(
    name: str, namespace: str, labels: dict[str, str], spec: ServiceSpec, selector: dict[str, str]
) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(name, namespace, labels),
        "spec": {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [
                {"name": name, "port": port, "targetPort": name, "protocol": "TCP"}
                for name, port in {conventions.HTTP_PORT_NAME: spec.port, **spec.ports}.items()
            ],
        },
    }


def color_service(spec: ServiceSpec, color: Color, namespace: str) -> Manifest:
    """The Service pinned to one colour: smoke tests and previews reach that colour here."""
    name = conventions.color_name(spec.name, color)
    return _service(name, namespace, color_labels(spec, color), spec, serving_selector(spec, color))


def active_service(spec: ServiceSpec, namespace: str) -> Manifest:
    """The Service that takes live traffic; a flip changes its selector and nothing else.

    During a canary it selects both colours (the service name alone): new connections spread
    over the pods, so the canary takes about its share of the pod count.
    """
    selector = serving_selector(spec, spec.active if spec.canary_pods is None else None)
    return _service(spec.name, namespace, service_labels(spec), spec, selector)


def pod_disruption_budget(spec: ServiceSpec, color: Color, namespace: str) -> Manifest:
    """At most one pod of a colour down at a time during voluntary disruptions (node drains).

    maxUnavailable rather than minAvailable: it never blocks a drain when the colour runs a
    single replica or is scaled to zero.
    """
    name = conventions.color_name(spec.name, color)
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(name, namespace, color_labels(spec, color)),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": serving_selector(spec, color)}},
    }


def horizontal_pod_autoscaler(spec: ServiceSpec, color: Color, namespace: str) -> Manifest:
    """The HPA of one running colour; the Deployment leaves spec.replicas to it."""
    if spec.autoscaling is None:
        raise ValueError(f"{spec.name} has no autoscaling settings")
    name = conventions.color_name(spec.name, color)
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _metadata(name, namespace, color_labels(spec, color)),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": spec.autoscaling.min,
            "maxReplicas": spec.autoscaling.max,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": spec.autoscaling.target_cpu},
                    },
                }
            ],
        },
    }


def _config_digest(spec: ServiceSpec, color: Color) -> str:
    """What a colour's container is configured with, hashed (secrets by name only)."""
    config = {
        "env": spec.env_for(color),
        "envFrom": _env_from(spec),
        "secretEnv": sorted(spec.secret_env),
        "command": spec.command,
        "args": spec.args,
    }
    return spec_hash(config)


def smoke_test_job(spec: ServiceSpec, color: Color, namespace: str, image: str) -> Manifest:
    """A Job that must succeed against the colour's Service before traffic may move there.

    The name carries a hash of the Job's spec: a new tag or probe makes a new Job (a Job's
    template is immutable), created before the old one is deleted, so each release is tested.
    """
    target = conventions.color_name(spec.name, color)
    url = f"http://{conventions.cluster_host(target, namespace)}:{spec.port}{spec.health_path}"
    pod_labels = {**color_labels(spec, color), conventions.LABEL_COMPONENT: "smoke-test"}
    job_spec: dict[str, Any] = {
        "backoffLimit": 2,
        "activeDeadlineSeconds": 300,
        "template": {
            "metadata": {
                "labels": pod_labels,
                # The tag and the colour's config are part of the template, so a release of
                # either (novactl release TAG, or --env) always re-runs the test.
                "annotations": {
                    "nova.social/tested-tag": spec.tags[color],
                    "nova.social/tested-config": _config_digest(spec, color),
                },
            },
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": False,
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": conventions.SMOKE_TEST_USER,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [
                    {
                        "name": "smoke-test",
                        "image": image,
                        "command": ["curl"],
                        "args": [
                            "--fail",
                            "--silent",
                            "--show-error",
                            "--max-time",
                            "5",
                            "--retry",
                            "10",
                            "--retry-delay",
                            "3",
                            "--retry-all-errors",
                            url,
                        ],
                        "resources": {
                            "requests": {"cpu": "10m", "memory": "16Mi"},
                            "limits": {"memory": "32Mi"},
                        },
                        "securityContext": restricted_container_security(),
                    }
                ],
            },
        },
    }
    digest = spec_hash(job_spec)
    name = f"{target}-smoke-{digest}"
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _metadata(name, namespace, pod_labels),
        "spec": job_spec,
    }
