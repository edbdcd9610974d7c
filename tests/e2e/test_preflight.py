"""`novactl check STACK --live` against a real kube-apiserver (`make e2e`): the StorageClasses
the stack's volumes need, read by a user bound to nothing but novactl.validate.preflight.READ_RULES."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import kubernetes
import pytest

from novactl.stack.declared import declared_platform
from novactl.validate.preflight import DEFAULT_CLASS_ANNOTATION, READ_RULES
from tests.conftest import PROJECT_DIR
from tests.e2e.conftest import apply
from tests.e2e.control_plane import READER_TOKEN, READER_USER, ControlPlane
from tests.support import novactl

pytestmark = pytest.mark.e2e

STACK = "staging"
GRANT = "novactl-check-live"


def cluster_storage(cluster: ControlPlane, tmp_path: Path) -> dict[str, Any]:
    """The cluster-storage check of `novactl check STACK --live --json`, as the reader runs it."""
    # The context named as the stack names it (kubernetes:context), as CI's kubeconfig names it.
    context = declared_platform(PROJECT_DIR, STACK).kube_context
    assert context is not None
    kubeconfig = cluster.kubeconfig(tmp_path / "kubeconfig", context, READER_TOKEN)
    result = novactl("check", STACK, "--live", "--json", env={"KUBECONFIG": str(kubeconfig)}, timeout=600)
    assert "Traceback" not in result.stderr
    (storage,) = [check for check in json.loads(result.stdout)["checks"] if check["name"] == "cluster-storage"]
    assert result.returncode == (0 if storage["passed"] else 1), result.stdout[-2000:]
    return dict(storage)


def test_check_live_names_the_missing_class_then_passes_once_the_cluster_has_a_default(
    cluster: ControlPlane, admin: Any, tmp_path: Path
):
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": GRANT},
        "rules": [dict(rule) for rule in READ_RULES],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": GRANT},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": GRANT},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": READER_USER}],
    }
    for item in (role, binding):
        apply(admin, item)
    storage = kubernetes.client.StorageV1Api(admin)
    assert storage.list_storage_class().items == [], "a fresh control plane has no StorageClass"

    missing = cluster_storage(cluster, tmp_path)
    assert missing["passed"] is False
    assert missing["output"] == (
        "Pulumi.staging.yaml: nova-platform:storageClass: unset, and the cluster marks no StorageClass default: "
        "the volumes of monitoring, logging, tracing, performance would stay Pending and their releases time out; "
        "name one (the cluster has no StorageClass at all)"
    )

    gp3 = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": "gp3", "annotations": {DEFAULT_CLASS_ANNOTATION: "true"}},
        "provisioner": "ebs.csi.aws.com",
        "volumeBindingMode": "WaitForFirstConsumer",
    }
    apply(admin, gp3)
    try:
        found = cluster_storage(cluster, tmp_path)
        assert found["passed"] is True, found
        assert found["summary"] == "every volume's StorageClass is in context nova-staging"
    finally:
        storage.delete_storage_class("gp3")
