"""`kubernetes:context` and `clusterUid`: which cluster a stack applies to. The program checks it
before anything registers (components/cluster.py); the config only names it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from components.config.fields import ConfigError

KUBE_CONTEXT_KEY = "kubernetes:context"
"""The Kubernetes provider's kubeconfig context, read from outside our namespace: the cluster
check reads the cluster through it, as the provider will."""
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def parse_cluster(raw: Mapping[str, Any], cloud: str, stack: str) -> tuple[str | None, str | None]:
    """The kubeconfig context the provider uses and the UID of the cluster's kube-system
    namespace it must reach. A stack on AWS names both: a laptop's current context may be
    another stack's cluster, and `pulumi up` would apply this stack there."""
    context = raw.get(KUBE_CONTEXT_KEY)
    if context is not None and (not isinstance(context, str) or not context):
        raise ConfigError("context", "expected the name of a kubeconfig context", namespace="kubernetes")
    uid = raw.get("clusterUid")
    if uid is not None and (not isinstance(uid, str) or not UUID.fullmatch(uid)):
        raise ConfigError(
            "clusterUid",
            f"{uid!r}: expected the UID of the cluster's kube-system namespace "
            "(kubectl get namespace kube-system -o jsonpath='{.metadata.uid}')",
        )
    if cloud == "aws":
        if context is None:
            raise ConfigError(
                "context",
                f"a stack on AWS names the context of its own cluster (the current one may be another's): "
                f"pulumi config set kubernetes:context nova-{stack} -s {stack}",
                namespace="kubernetes",
            )
        if uid is None:
            raise ConfigError(
                "clusterUid",
                "a stack on AWS names its cluster, which the program checks before it registers anything: "
                f"pulumi config set clusterUid $(kubectl --context {context} get namespace kube-system "
                f"-o jsonpath='{{.metadata.uid}}') -s {stack}",
            )
    return context, uid
