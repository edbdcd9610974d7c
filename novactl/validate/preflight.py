"""`novactl check STACK --live`: what the cluster must offer before `pulumi up` waits on it.

Volumes: every piece that keeps data (Prometheus and Alertmanager, Loki, Tempo, InfluxDB)
claims them through its chart, each with the stack's StorageClass or the cluster's default
(components.config.stack.volume_classes). Without that class a claim stays Pending, the atomic
release times out after 300 s, is uninstalled, and `pulumi up` says only "context deadline
exceeded". This check says so before anything is applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components import conventions
from components.config.stack import PlatformConfig, storage_class_key, volume_classes

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
# What the check reads: a ClusterRole with this rule, bound to whoever runs it (StorageClasses
# are cluster-scoped; the names and annotations are all it looks at).
READ_RULES: tuple[dict[str, list[str]], ...] = (
    {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": ["list"]},
)


def storage_findings(config: PlatformConfig, classes: Sequence[dict[str, Any]]) -> list[str]:
    """One line per StorageClass the stack's volumes need that the cluster (`classes`, the
    API's StorageClass objects) does not offer; none when every claim can bind."""
    names = sorted(str(item.get("metadata", {}).get("name")) for item in classes)
    defaults = [
        str(item["metadata"]["name"])
        for item in classes
        if item.get("metadata", {}).get("annotations", {}).get(DEFAULT_CLASS_ANNOTATION) == "true"
    ]
    has = f"the cluster has: {', '.join(names)}" if names else "the cluster has no StorageClass at all"
    stack_file = f"Pulumi.{config.stack}.yaml"
    by_need: dict[tuple[str, str | None], list[str]] = {}
    for piece, storage_class in volume_classes(config).items():
        by_need.setdefault((storage_class_key(config, piece), storage_class), []).append(piece)
    findings = []
    for (key, storage_class), pieces in sorted(by_need.items(), key=lambda item: str(item[0])):
        claims = f"the volumes of {', '.join(pieces)} would stay Pending and their releases time out"
        if storage_class is None and not defaults:
            findings.append(
                f"{stack_file}: {conventions.PROJECT}:{key}: unset, and the cluster marks no StorageClass "
                f"default: {claims}; name one ({has})"
            )
        elif storage_class is not None and storage_class not in names:
            findings.append(
                f"{stack_file}: {conventions.PROJECT}:{key}: StorageClass {storage_class!r} is not in the "
                f"cluster: {claims} ({has})"
            )
    return findings
