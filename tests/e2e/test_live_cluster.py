"""`novactl status --live` against a real kube-apiserver (`make e2e`).

The staging stack's feed-service objects, rendered offline, go into the API server by
server-side apply (as the Kubernetes provider applies them, unknown fields refused); the
tests then write what the controllers would (ready replicas, Job outcomes, EndpointSlices)
and read it all back through `novactl status --live`, as a user bound to a Role of nothing
but novactl.kube.live.READ_RULES.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import kubernetes
import pytest

from components.cluster import IDENTITY_RULE
from novactl.engine.program import copy_program
from novactl.engine.scoped import render_services
from novactl.kube.live import READ_RULES
from novactl.stack.declared import declared_platform
from novactl.validate.crd_schemas import is_custom_resource
from tests.conftest import PROJECT_DIR
from tests.e2e.conftest import apply
from tests.e2e.control_plane import READER_TOKEN, READER_USER, ControlPlane
from tests.kube import status_live

pytestmark = pytest.mark.e2e

STACK, SERVICE = "staging", "feed-service"
PLATFORM = declared_platform(PROJECT_DIR, STACK)
NAMESPACE = PLATFORM.namespace


@pytest.fixture(scope="module")
def applied(admin: Any) -> list[dict[str, Any]]:
    """The service's built-in objects as `pulumi up` would apply them, and the reader's Role."""
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
    objects = [
        item for item in render_services(PROJECT_DIR, STACK, [SERVICE]).manifests() if not is_custom_resource(item)
    ]
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "novactl-status", "namespace": NAMESPACE},
        "rules": [dict(rule) for rule in READ_RULES],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "novactl-status", "namespace": NAMESPACE},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "novactl-status"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": READER_USER}],
    }
    identity_role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "novactl-cluster-identity"},
        "rules": [IDENTITY_RULE],
    }
    identity_binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "novactl-cluster-identity"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "novactl-cluster-identity"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": READER_USER}],
    }
    for item in [namespace, *objects, role, binding, identity_role, identity_binding]:
        apply(admin, item)
    return objects


@pytest.fixture(scope="module")
def project(admin: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project, its staging stack naming this control plane as its cluster (as a team
    records its own cluster's UID)."""
    copy = copy_program(PROJECT_DIR, tmp_path_factory.mktemp("live") / "project")
    metadata = kubernetes.client.CoreV1Api(admin).read_namespace("kube-system").metadata
    assert metadata is not None
    uid = str(metadata.uid)
    stack_file = copy / f"Pulumi.{STACK}.yaml"
    stack_file.write_text(stack_file.read_text().replace(str(PLATFORM.cluster_uid), uid))
    return copy


def _named(objects: list[dict[str, Any]], kind: str, prefix: str) -> str:
    (name,) = [o["metadata"]["name"] for o in objects if o["kind"] == kind and o["metadata"]["name"].startswith(prefix)]
    return str(name)


def _roll_out(admin: Any, objects: list[dict[str, Any]], color: str, ready: int) -> None:
    """What the Deployment controller writes once `ready` pods of `color` are ready."""
    name = _named(objects, "Deployment", f"{SERVICE}-{color}")
    status = {"replicas": ready, "readyReplicas": ready, "updatedReplicas": ready, "availableReplicas": ready}
    kubernetes.client.AppsV1Api(admin).patch_namespaced_deployment_status(name, NAMESPACE, {"status": status})


def _succeed(admin: Any, objects: list[dict[str, Any]], prefix: str) -> None:
    """What the Job controller writes when a Job's pod has succeeded."""
    name = _named(objects, "Job", prefix)
    now = "2026-12-03T10:00:00Z"
    conditions = [
        {"type": kind, "status": "True", "lastProbeTime": now, "lastTransitionTime": now}
        for kind in ("SuccessCriteriaMet", "Complete")
    ]
    status = {"startTime": now, "completionTime": now, "succeeded": 1, "conditions": conditions}
    kubernetes.client.BatchV1Api(admin).patch_namespaced_job_status(name, NAMESPACE, {"status": status})


def _endpoints(admin: Any, color: str, pods: int) -> None:
    """What the EndpointSlice controller writes for the routing Service's ready pods."""
    body: Any = {  # the client takes the API's JSON as well as its model classes
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": f"{SERVICE}-{color}-e2e",
            "namespace": NAMESPACE,
            "labels": {"kubernetes.io/service-name": SERVICE},
        },
        "addressType": "IPv4",
        "endpoints": [
            {
                "addresses": [f"10.0.0.{index + 10}"],
                "conditions": {"ready": True},
                "targetRef": {"kind": "Pod", "namespace": NAMESPACE, "name": f"{SERVICE}-{color}-7d9f-{index}"},
            }
            for index in range(pods)
        ],
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    }
    kubernetes.client.DiscoveryV1Api(admin).create_namespaced_endpoint_slice(NAMESPACE, body)


def live(cluster: ControlPlane, project: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`status --live` as the reader, through a context named as the stack names it."""
    assert PLATFORM.kube_context is not None
    kubeconfig = cluster.kubeconfig(tmp_path / "kubeconfig", PLATFORM.kube_context, READER_TOKEN)
    return status_live(project, kubeconfig, STACK, SERVICE, "--json")


def test_the_rendered_objects_are_accepted_by_the_api_server(applied: list[dict[str, Any]]):
    kinds = {item["kind"] for item in applied}
    assert {"Deployment", "Service", "Job", "ServiceAccount", "PodDisruptionBudget"} <= kinds


def test_live_status_reads_a_real_api_server_with_only_its_role(
    cluster: ControlPlane, admin: Any, applied: list[dict[str, Any]], project: Path, tmp_path: Path
):
    spec = PLATFORM.service(SERVICE)
    for color in spec.tags:
        _roll_out(admin, applied, color, spec.replicas)
        _succeed(admin, applied, f"{SERVICE}-{color}-smoke")
    _endpoints(admin, spec.active, spec.replicas)

    result = live(cluster, project, tmp_path)
    assert result.returncode == 0, result.stderr
    (service,) = json.loads(result.stdout)
    assert service["selects"] == spec.active
    assert service["endpoints"] == {spec.active: spec.replicas}
    assert service["colours"] == {
        color: {"tag": tag, "ready": spec.replicas, "desired": spec.replicas} for color, tag in spec.tags.items()
    }
    assert service["last_smoke"].endswith("succeeded")
    assert service["drift"] == []


def test_a_selector_changed_by_hand_is_drift(
    cluster: ControlPlane, admin: Any, applied: list[dict[str, Any]], project: Path, tmp_path: Path
):
    spec = PLATFORM.service(SERVICE)
    other = next(color for color in spec.tags if color != spec.active)
    core = kubernetes.client.CoreV1Api(admin)
    core.patch_namespaced_service(SERVICE, NAMESPACE, {"spec": {"selector": {"nova.social/color": other}}})
    try:
        result = live(cluster, project, tmp_path)
    finally:
        core.patch_namespaced_service(SERVICE, NAMESPACE, {"spec": {"selector": {"nova.social/color": spec.active}}})
    assert result.returncode == 0, result.stderr
    (service,) = json.loads(result.stdout)
    assert service["selects"] == other
    assert f"routes to {other}, the stack file says {spec.active} (a switch not applied yet?)" in service["drift"]
