"""Kubernetes guardrails: pinned images, probes and requests, pod security, no admin bindings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from policies.rules import Policy, Resource, dig, items, mapping

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
JOB = "kubernetes:batch/v1:Job"
CRON_JOB = "kubernetes:batch/v1:CronJob"
POD = "kubernetes:core/v1:Pod"
LONG_RUNNING = (DEPLOYMENT, STATEFUL_SET, DAEMON_SET)
WORKLOADS = (*LONG_RUNNING, JOB, CRON_JOB, POD)
BINDINGS = (
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
)
ADMIN_ROLES = ("admin", "cluster-admin")

_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}\Z")


def pod_spec(resource: Resource) -> Any:
    """The pod spec of a workload (a CronJob's is two templates deep)."""
    if resource.type == POD:
        return resource.props.get("spec")
    if resource.type == CRON_JOB:
        return dig(resource.props, "spec", "jobTemplate", "spec", "template", "spec")
    return dig(resource.props, "spec", "template", "spec")


def containers(resource: Resource, init: bool = True) -> Iterator[Any]:
    spec = pod_spec(resource)
    yield from items(dig(spec, "containers"))
    if init:
        yield from items(dig(spec, "initContainers"))


def _where(resource: Resource, container: Any) -> str:
    return f"{resource.type.split(':')[-1]} {resource.name}, container {mapping(container).get('name')!r}"


def image_problem(image: Any) -> str | None:
    """Why `image` is not pinned, or None when it is (a tag other than latest, or a digest)."""
    if not isinstance(image, str) or not image:
        return "has no image"
    if _DIGEST.search(image):
        return None
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return f"image {image!r} has no tag"
    if tag == "latest":
        return f"image {image!r} is tagged latest"
    return None


def pinned_images(resource: Resource) -> Iterator[str]:
    for container in containers(resource):
        problem = image_problem(mapping(container).get("image"))
        if problem:
            yield f"{_where(resource, container)}: {problem}; pin a version tag or a @sha256 digest"


def probes_and_requests(resource: Resource) -> Iterator[str]:
    for container in containers(resource, init=False):
        where = _where(resource, container)
        c = mapping(container)
        for probe in ("readinessProbe", "livenessProbe"):
            if not c.get(probe):
                yield f"{where}: no {probe}; add one so rollouts and restarts know when it is healthy"
        requests = mapping(dig(c, "resources", "requests"))
        for resource_name in ("cpu", "memory"):
            if not requests.get(resource_name):
                yield f"{where}: no {resource_name} request; set resources.requests.{resource_name}"
        if not mapping(dig(c, "resources", "limits")).get("memory"):
            yield f"{where}: no memory limit; set resources.limits.memory"


def pod_security(resource: Resource) -> Iterator[str]:
    pod_non_root = dig(pod_spec(resource), "securityContext", "runAsNonRoot") is True
    for container in containers(resource):
        where = _where(resource, container)
        context = mapping(mapping(container).get("securityContext"))
        if context.get("privileged") is True:
            yield f"{where}: privileged; remove securityContext.privileged"
        if context.get("allowPrivilegeEscalation") is not False:
            yield f"{where}: may escalate privileges; set securityContext.allowPrivilegeEscalation: false"
        if context.get("runAsNonRoot") is not True and not (pod_non_root and context.get("runAsNonRoot") is None):
            yield f"{where}: may run as root; set runAsNonRoot: true on the pod or the container"


def admin_bindings(resource: Resource) -> Iterator[str]:
    role = mapping(resource.props.get("roleRef")).get("name")
    if role not in ADMIN_ROLES:
        return
    for subject in items(resource.props.get("subjects")):
        if mapping(subject).get("kind") == "ServiceAccount":
            yield (
                f"{resource.name} gives {role} to ServiceAccount {mapping(subject).get('name')!r}; "
                "bind a Role with only the verbs it needs"
            )


def cpu_limits(resource: Resource) -> Iterator[str]:
    """The documented choice (docs/policies.md): requests, and no CPU limit."""
    for container in containers(resource, init=False):
        limit = mapping(dig(mapping(container), "resources", "limits")).get("cpu")
        if limit:
            yield (
                f"{_where(resource, container)}: CPU limit {limit} (advisory: a limit throttles a busy service "
                "while its node idles; the platform sets requests and no CPU limit)"
            )


def topology_spread(resource: Resource) -> Iterator[str]:
    replicas = dig(resource.props, "spec", "replicas")
    if isinstance(replicas, int | float) and replicas <= 1:
        return
    spec = pod_spec(resource)
    if not items(dig(spec, "topologySpreadConstraints")) and not dig(spec, "affinity", "podAntiAffinity"):
        yield f"Deployment {resource.name}: replicas may share one node or zone; add topologySpreadConstraints"


POLICIES = (
    Policy(
        "pinned-images",
        "Container images are pinned: a version tag other than latest, or a digest.",
        "mandatory",
        resource_check=pinned_images,
        types=WORKLOADS,
    ),
    Policy(
        "probes-and-requests",
        "Long-running containers have readiness and liveness probes, CPU and memory requests and a memory limit.",
        "mandatory",
        resource_check=probes_and_requests,
        types=LONG_RUNNING,
    ),
    Policy(
        "pod-security",
        "Pods run as non-root, without privilege escalation, and no container is privileged.",
        "mandatory",
        resource_check=pod_security,
        types=WORKLOADS,
    ),
    Policy(
        "no-admin-service-accounts",
        "No RoleBinding or ClusterRoleBinding gives admin or cluster-admin to a ServiceAccount.",
        "mandatory",
        resource_check=admin_bindings,
        types=BINDINGS,
    ),
    Policy(
        "no-cpu-limits",
        "Long-running containers set no CPU limit (requests size them; a limit only throttles).",
        "advisory",
        resource_check=cpu_limits,
        types=LONG_RUNNING,
    ),
    Policy(
        "topology-spread",
        "Deployments with more than one replica spread them across nodes or zones.",
        "advisory",
        resource_check=topology_spread,
        types=(DEPLOYMENT,),
    ),
)
