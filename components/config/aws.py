"""The `aws` block of the stack config: what the AWS parts need beyond the provider's config."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from components.config.fields import ConfigError, https_url, integer, mapping, reject_unknown, string

# S3 bucket names: 3-63 lowercase letters, digits, '-' and '.'; ours append "-<stack>-tempo".
_BUCKET_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ISSUER = re.compile(r"^https://[a-z0-9.-]+(/[A-Za-z0-9._-]+)*$")


@dataclass(frozen=True)
class AwsSpec:
    """ECR, S3 and IRSA settings of an AWS stack."""

    region: str  # the AWS provider's `aws:region`
    oidc_issuer: str | None  # the EKS cluster's OIDC issuer; None: looked up from the cluster
    ecr_keep_images: int  # each ECR repository keeps this many most recent images
    bucket_prefix: str  # S3 bucket names are global: <prefix>-<stack>-<purpose>


def parse_aws(raw: Any, cloud: str, region: Any) -> AwsSpec | None:
    """Validate `aws` and the provider's region; None on a local stack (which may not set it)."""
    if cloud != "aws":
        if raw is not None:
            raise ConfigError("aws", "only for cloud: aws (a local stack creates no AWS resources)")
        return None
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        raise ConfigError(
            "aws", f"cloud: aws needs the AWS provider's region: pulumi config set aws:region <region> (got {region!r})"
        )
    block = mapping(raw if raw is not None else {}, "aws")
    reject_unknown(block, ("oidcIssuer", "ecrKeepImages", "bucketPrefix"), "aws")
    issuer = block.get("oidcIssuer")
    if issuer is not None:
        issuer = https_url(issuer, "aws.oidcIssuer")
        if not _ISSUER.fullmatch(issuer):
            raise ConfigError("aws.oidcIssuer", f"{issuer!r} is not an OIDC issuer URL (https://oidc.eks.<region>...)")
    prefix = string(block.get("bucketPrefix", "nova-platform"), "aws.bucketPrefix")
    if not _BUCKET_PREFIX.fullmatch(prefix) or "--" in prefix:
        raise ConfigError(
            "aws.bucketPrefix", f"{prefix!r} must be 3-32 lowercase letters, digits and single '-' (S3 bucket rules)"
        )
    return AwsSpec(
        region=region,
        oidc_issuer=issuer,
        ecr_keep_images=integer(block.get("ecrKeepImages", 30), "aws.ecrKeepImages", 2, 1000),
        bucket_prefix=prefix,
    )
