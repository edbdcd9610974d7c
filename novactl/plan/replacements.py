"""Which input changes make Pulumi replace a resource instead of updating it.

Kubernetes: the provider's own table (pulumi/pulumi-kubernetes, provider/pkg/provider/diff.go,
forceNewProperties): a name or namespace change, and per kind the fields the API server will
not update in place. AWS: the arguments the AWS provider marks ForceNew for the resources we
create. And any path a resource lists in its `replaceOnChanges` option.
"""

from __future__ import annotations

from collections.abc import Iterable

KUBERNETES_FORCE_NEW: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec.selector",),
    "DaemonSet": ("spec.selector",),
    "StatefulSet": (
        "spec.podManagementPolicy",
        "spec.revisionHistoryLimit",
        "spec.selector",
        "spec.serviceName",
        "spec.volumeClaimTemplates",
    ),
    "Job": ("spec.completions", "spec.parallelism", "spec.selector", "spec.template"),
    "Service": ("spec.clusterIP",),
    # Secrets and ConfigMaps are replaced on a data change unless the provider sets
    # enableSecretMutable / enableConfigMapMutable (ours does not).
    "Secret": ("type", "stringData", "data"),
    "ConfigMap": ("data", "binaryData"),
    "PersistentVolumeClaim": ("spec",),
    "RoleBinding": ("roleRef",),
    "ClusterRoleBinding": ("roleRef",),
    "StorageClass": ("parameters", "provisioner"),
}
KUBERNETES_IDENTITY = ("metadata.name", "metadata.namespace")
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
HELM_IDENTITY = ("name", "namespace")  # a release is its name in its namespace

AWS_FORCE_NEW: dict[str, tuple[str, ...]] = {
    "aws:s3/bucket:Bucket": ("bucket",),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ("bucket",),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ("bucket",),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ("bucket",),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ("bucket",),
    "aws:ecr/repository:Repository": ("name",),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": ("repository",),
    "aws:iam/role:Role": ("name",),
    "aws:iam/rolePolicy:RolePolicy": ("name", "role"),
}


def _covers(prefix: str, path: str) -> bool:
    return prefix in ("*", path) or path.startswith((f"{prefix}.", f"{prefix}["))


def force_new_paths(type_: str, kind: str | None) -> tuple[str, ...]:
    """The input paths whose change replaces a resource of this type (and Kubernetes kind)."""
    if type_ == HELM_RELEASE:
        return HELM_IDENTITY
    if type_.startswith("kubernetes:") and kind:
        return (*KUBERNETES_IDENTITY, *KUBERNETES_FORCE_NEW.get(kind, ()))
    return AWS_FORCE_NEW.get(type_, ())


def replace_reasons(
    type_: str, kind: str | None, changed: Iterable[str], replace_on_changes: Iterable[str] = ()
) -> list[str]:
    """Why the changed paths replace the resource (empty: an in-place update)."""
    paths = list(changed)
    reasons = []
    for prefix in force_new_paths(type_, kind):
        if any(_covers(prefix, path) for path in paths):
            reasons.append(f"{prefix} cannot change in place")
    for prefix in replace_on_changes:
        if any(_covers(prefix, path) for path in paths):
            reasons.append(f"{prefix} is in replaceOnChanges")
    return reasons
