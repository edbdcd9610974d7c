"""IAM and ECR policy documents, and the names of the AWS resources: plain data, no calls.

IAM JSON grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
IRSA trust: https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
ECR lifecycle rules: https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.config.stack import PlatformConfig

IAM_VERSION = "2012-10-17"
IRSA_AUDIENCE = "sts.amazonaws.com"
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
"""The ServiceAccount annotation EKS's pod identity webhook reads to inject the role."""


@dataclass(frozen=True)
class ObjectAccess:
    """What one workload may do in its buckets: bucket-level and object-level actions."""

    bucket_actions: tuple[str, ...]
    object_actions: tuple[str, ...]


# Loki: https://grafana.com/docs/loki/latest/configure/storage/#aws-deployment-s3-single-store
LOKI_ACCESS = ObjectAccess(("s3:ListBucket",), ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"))
# Tempo also tags objects: https://grafana.com/docs/tempo/latest/configuration/hosted-storage/s3/
TEMPO_ACCESS = ObjectAccess(
    ("s3:ListBucket",),
    ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging", "s3:PutObjectTagging"),
)


def irsa_service_account(name: str, role_arn: Any) -> dict[str, Any]:
    """A chart's `serviceAccount` values: created under a fixed name (the trust policy names
    it), annotated with the role (an Output on AWS; None leaves it unannotated)."""
    return {
        "create": True,
        "name": name,
        "annotations": {ROLE_ARN_ANNOTATION: role_arn} if role_arn is not None else {},
    }


def bucket_name(config: PlatformConfig, purpose: str) -> str:
    """`<bucketPrefix>-<stack>-<purpose>`: S3 names are global, so the prefix is configurable."""
    assert config.aws is not None
    return f"{config.aws.bucket_prefix}-{config.stack}-{purpose}"


def role_name(config: PlatformConfig, workload: str) -> str:
    """The IAM role of one workload's service account: `nova-<stack>-<workload>`."""
    return f"nova-{config.stack}-{workload}"


def object_access_policy(bucket_arns: list[str], access: ObjectAccess) -> dict[str, Any]:
    """Exactly `access` on exactly these buckets and their objects; nothing else."""
    return {
        "Version": IAM_VERSION,
        "Statement": [
            {"Sid": "Buckets", "Effect": "Allow", "Action": list(access.bucket_actions), "Resource": bucket_arns},
            {
                "Sid": "Objects",
                "Effect": "Allow",
                "Action": list(access.object_actions),
                "Resource": [f"{arn}/*" for arn in bucket_arns],
            },
        ],
    }


def tls_only_bucket_policy(bucket_arn: str) -> dict[str, Any]:
    """Refuse every request to the bucket and its objects that does not come over TLS
    (aws:SecureTransport), whoever makes it: AWS's own recommendation for S3."""
    return {
        "Version": IAM_VERSION,
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def irsa_trust_policy(provider_arn: str, issuer: str, namespace: str, service_account: str) -> dict[str, Any]:
    """Only `namespace/service_account` of this cluster may assume the role, through STS."""
    host = issuer.removeprefix("https://")
    return {
        "Version": IAM_VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{host}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                        f"{host}:aud": IRSA_AUDIENCE,
                    }
                },
            }
        ],
    }


def oidc_provider_arn(account_id: str, issuer: str) -> str:
    """The IAM OIDC identity provider EKS registers for its issuer (eksctl utils associate-iam-oidc-provider)."""
    return f"arn:aws:iam::{account_id}:oidc-provider/{issuer.removeprefix('https://')}"


def ecr_lifecycle_policy(keep: int) -> dict[str, Any]:
    """Expire all but the `keep` most recent images (both colours' tags are among them)."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"keep the {keep} most recent images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
                "action": {"type": "expire"},
            }
        ]
    }
