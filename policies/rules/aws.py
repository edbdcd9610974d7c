"""AWS guardrails: S3 buckets encrypted, closed to the public, TLS-only and versioned; no `*`
on `*` in IAM."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from components.config.access import wildcards
from policies.rules import Policy, Resource, items, mapping

BUCKET = "aws:s3/bucket:Bucket"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
POLICY_TYPES = (
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    "aws:s3/bucketPolicy:BucketPolicy",
)


def _bucket_key(value: Any) -> str | None:
    # A sub-resource names its bucket by the bucket's ID, which is the bucket's name.
    return value if isinstance(value, str) else None


def buckets_encrypted_and_private(resources: Sequence[Resource]) -> Iterator[tuple[Resource, str]]:
    encrypted = set()
    for resource in resources:
        if resource.type == ENCRYPTION:
            algorithms = {
                mapping(mapping(rule).get("applyServerSideEncryptionByDefault")).get("sseAlgorithm")
                for rule in items(resource.props.get("rules"))
            }
            if algorithms & {"aws:kms", "aws:kms:dsse", "AES256"}:
                encrypted.add(_bucket_key(resource.props.get("bucket")))
    blocked = {
        _bucket_key(resource.props.get("bucket"))
        for resource in resources
        if resource.type == PUBLIC_ACCESS_BLOCK and all(resource.props.get(flag) is True for flag in _BLOCK_FLAGS)
    }
    tls_only = {
        _bucket_key(resource.props.get("bucket"))
        for resource in resources
        if resource.type == BUCKET_POLICY and _denies_plain_http(resource.props.get("policy"))
    }
    versioned = {
        _bucket_key(resource.props.get("bucket"))
        for resource in resources
        if resource.type == VERSIONING
        and mapping(resource.props.get("versioningConfiguration")).get("status") == "Enabled"
    }
    for resource in resources:
        if resource.type != BUCKET:
            continue
        name = resource.props.get("bucket") or resource.name
        if name not in tls_only:
            yield resource, f"bucket {name} takes plain HTTP; add a BucketPolicy denying aws:SecureTransport false"
        if name not in versioned:
            yield resource, f"bucket {name} is not versioned; a delete or an overwrite would lose the object"
        if name not in encrypted:
            yield resource, f"bucket {name} has no default encryption; add a BucketServerSideEncryptionConfiguration"
        if name not in blocked:
            yield (
                resource,
                (f"bucket {name} is not closed to the public; add a BucketPublicAccessBlock with all four flags true"),
            )


def _denies_plain_http(document: Any) -> bool:
    for statement in _statements(document):
        s = mapping(statement)
        condition = mapping(mapping(s.get("Condition")).get("Bool"))
        if s.get("Effect") == "Deny" and str(condition.get("aws:SecureTransport")).lower() == "false":
            return True
    return False


def _statements(document: Any) -> list[Any]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return []
    statements = mapping(document).get("Statement")
    return [statements] if isinstance(statements, dict) else items(statements)


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else items(value)


def no_wildcard_admin(resource: Resource) -> Iterator[str]:
    for statement in _statements(resource.props.get("policy")):
        s = mapping(statement)
        if s.get("Effect") != "Allow":
            continue
        # The same reading of a statement as the stack config's (services' aws.statements).
        found = wildcards([str(a) for a in _as_list(s.get("Action"))], [str(r) for r in _as_list(s.get("Resource"))])
        if "action '*'" in found and "resource '*'" in found:
            yield f"{resource.name}: a statement allows every action on every resource; list the actions and ARNs"


POLICIES = (
    Policy(
        "s3-encrypted-and-private",
        "S3 buckets encrypt at rest, block all public access, take TLS only and are versioned.",
        "mandatory",
        stack_check=buckets_encrypted_and_private,
    ),
    Policy(
        "iam-no-star-on-star",
        "No IAM policy statement allows `*` actions on `*` resources.",
        "mandatory",
        resource_check=no_wildcard_admin,
        types=POLICY_TYPES,
    ),
)
