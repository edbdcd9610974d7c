"""ObjectStore: private, encrypted, TLS-only, versioned S3 buckets and the one IAM role (IRSA)
that may use them."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_identity import ClusterIdentity, irsa_role
from components.builders import aws as policies
from components.config.stack import PlatformConfig

# Every bucket is versioned, and a deleted or overwritten object stays recoverable this long:
# Loki's and Tempo's compactors delete old blocks all day, so longer would mostly keep what
# retention already removed, while a week covers a bad compaction, a bug or a compromised
# pod's deletes (the role may delete objects, not versions). The ruler bucket's rules are the
# one thing there that no retention replaces.
NONCURRENT_DAYS = 7


@dataclass(frozen=True)
class Bucket:
    """One bucket of the store; `expire_days` adds a lifecycle rule that deletes older objects."""

    name: str
    expire_days: int | None


def workload_store(
    workload: str,
    config: PlatformConfig,
    *,
    identity: ClusterIdentity | None,
    buckets: dict[str, int | None],
    access: policies.ObjectAccess,
    service_account: tuple[str, str],
    parent: pulumi.Resource,
) -> ObjectStore | None:
    """The buckets (purpose -> expiry days) and IRSA role of one workload; None off AWS.

    Buckets are `<bucketPrefix>-<stack>-<purpose>`, the role `nova-<stack>-<workload>`, and
    only `service_account` (namespace, name) may assume it.
    """
    if config.aws is None:
        return None
    assert identity is not None, "AWS stacks with buckets look the cluster identity up first"
    namespace, name = service_account
    return ObjectStore(
        workload,
        ObjectStoreArgs(
            buckets=tuple(Bucket(policies.bucket_name(config, purpose), days) for purpose, days in buckets.items()),
            access=access,
            role_name=policies.role_name(config, workload),
            namespace=namespace,
            service_account=name,
            identity=identity,
        ),
        pulumi.ResourceOptions(parent=parent),
    )


@dataclass(frozen=True)
class ObjectStoreArgs:
    buckets: tuple[Bucket, ...]
    access: policies.ObjectAccess
    role_name: str
    namespace: str  # the service account allowed to assume the role
    service_account: str
    identity: ClusterIdentity


class ObjectStore(pulumi.ComponentResource):
    """Buckets that block public access, encrypt at rest, take TLS only and keep deleted objects
    for a week, and a role scoped to them."""

    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ObjectStoreArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("nova:platform:ObjectStore", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        arns = [self._bucket(bucket, child) for bucket in args.buckets]
        role = irsa_role(
            args.role_name,
            args.identity,
            (args.namespace, args.service_account),
            pulumi.Output.all(*arns).apply(lambda resolved: policies.object_access_policy(list(resolved), args.access)),
            child,
        )
        self.role_arn = role.arn
        self.register_outputs({"roleArn": role.arn, "buckets": [bucket.name for bucket in args.buckets]})

    def _bucket(self, spec: Bucket, child: pulumi.ResourceOptions) -> pulumi.Output[str]:
        bucket = aws.s3.Bucket(spec.name, bucket=spec.name, force_destroy=False, opts=child)
        # Sub-resources name the bucket, not its ID: the name is known at preview, so the policy
        # pack can match them to the bucket then.
        after = pulumi.ResourceOptions(parent=self, depends_on=[bucket])
        aws.s3.BucketPublicAccessBlock(
            spec.name,
            bucket=spec.name,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=after,
        )
        aws.s3.BucketOwnershipControls(
            spec.name,
            bucket=spec.name,
            rule={"object_ownership": "BucketOwnerEnforced"},  # ACLs off: only IAM decides
            opts=after,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            spec.name,
            bucket=spec.name,
            rules=[
                {"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}, "bucket_key_enabled": True}
            ],
            opts=after,
        )
        aws.s3.BucketPolicy(
            spec.name,
            bucket=spec.name,
            # From the name, not the bucket's arn output: known at preview, so the policy pack
            # can read the document then (S3 ARNs are arn:aws:s3:::<name> in the aws partition).
            policy=json.dumps(policies.tls_only_bucket_policy(f"arn:aws:s3:::{spec.name}")),
            opts=after,
        )
        versioning = aws.s3.BucketVersioning(
            spec.name, bucket=spec.name, versioning_configuration={"status": "Enabled"}, opts=after
        )
        rule: aws.s3.BucketLifecycleConfigurationRuleArgsDict = {
            "id": "expire-after-retention" if spec.expire_days is not None else "keep-deleted-a-week",
            "status": "Enabled",
            "filter": {"prefix": ""},
            "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_DAYS},
            "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
        }
        if spec.expire_days is not None:
            rule["expiration"] = {"days": spec.expire_days}
        aws.s3.BucketLifecycleConfiguration(
            spec.name,
            bucket=spec.name,
            rules=[rule],
            # S3 applies noncurrent-version rules to a versioned bucket: versioning first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket, versioning]),
        )
        return bucket.arn
