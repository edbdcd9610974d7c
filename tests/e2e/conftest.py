"""One real control plane for all of tests/e2e (`make e2e`), and a cluster-admin client of it
for setting things up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import kubernetes
import pytest

from tests.e2e.control_plane import ADMIN_TOKEN, ControlPlane, running
from tests.e2e.report import Report

CONTEXT = "nova-e2e"


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    with running(tmp_path_factory.mktemp("control-plane")) as plane:
        yield plane


@pytest.fixture(scope="session")
def report() -> Iterator[Report]:
    """rendered/e2e/report.json, filled by the tests of the session and written after them."""
    collected = Report()
    yield collected
    print(f"\nreport: {collected.write()}")


@pytest.fixture(scope="session")
def admin(cluster: ControlPlane, tmp_path_factory: pytest.TempPathFactory) -> Any:
    kubeconfig = cluster.kubeconfig(tmp_path_factory.mktemp("admin") / "kubeconfig", CONTEXT, ADMIN_TOKEN)
    return kubernetes.config.new_client_from_config(config_file=str(kubeconfig), context=CONTEXT)


def apply(admin: Any, manifest: dict[str, Any], dry_run: bool = False) -> None:
    """Server-side apply, as the Kubernetes provider applies (fields the schema does not know
    are refused); `dry_run`: admitted and validated, not stored."""
    dynamic = kubernetes.dynamic.DynamicClient(admin)
    resource = dynamic.resources.get(api_version=manifest["apiVersion"], kind=manifest["kind"])
    dynamic.server_side_apply(
        resource,
        body=manifest,
        namespace=manifest["metadata"].get("namespace"),
        field_manager="nova-e2e",
        dry_run="All" if dry_run else None,
    )


def crd(kind: str, plural: str) -> dict[str, Any]:
    """A CustomResourceDefinition of the Prometheus operator's group that takes any spec: the
    charts that carry the real ones cannot be fetched here, and tests/tools/test_crd_schemas.py
    checks the objects against the real schemas."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.monitoring.coreos.com"},
        "spec": {
            "group": "monitoring.coreos.com",
            "scope": "Namespaced",
            "names": {"kind": kind, "plural": plural, "singular": kind.lower(), "listKind": f"{kind}List"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                }
            ],
        },
    }


def prepare_operator_cluster(admin: Any) -> None:
    """What a cluster that already runs the Prometheus operator has, for a stack with
    `monitoring.install: false`: the operator's CRDs and its namespace."""
    apply(admin, crd("PodMonitor", "podmonitors"))
    apply(admin, crd("PrometheusRule", "prometheusrules"))
    apply(admin, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "monitoring"}})
