"""The EKS cluster's OIDC identity, which IRSA trust policies name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.builders import aws as policies
from components.config.stack import PlatformConfig


@dataclass(frozen=True)
class ClusterIdentity:
    """The cluster's OIDC issuer URL and the ARN of its IAM OIDC identity provider."""

    issuer: pulumi.Output[str]
    provider_arn: pulumi.Output[str]


def cluster_identity(config: PlatformConfig, opts: pulumi.InvokeOutputOptions | None = None) -> ClusterIdentity:
    """From `aws.oidcIssuer` when set, otherwise looked up from the EKS cluster `clusterName`."""
    assert config.aws is not None
    if config.aws.oidc_issuer is not None:
        issuer: pulumi.Output[str] = pulumi.Output.from_input(config.aws.oidc_issuer)
    else:
        cluster = aws.eks.get_cluster_output(name=config.cluster_name, opts=opts)
        issuer = cluster.identities.apply(lambda identities: identities[0].oidcs[0].issuer)
    account = aws.get_caller_identity_output(opts=opts).account_id
    provider_arn = pulumi.Output.all(account, issuer).apply(lambda args: policies.oidc_provider_arn(args[0], args[1]))
    return ClusterIdentity(issuer=issuer, provider_arn=provider_arn)


def irsa_role(
    role_name: str,
    identity: ClusterIdentity,
    service_account: tuple[str, str],
    policy: pulumi.Input[dict[str, Any]],
    opts: pulumi.ResourceOptions,
) -> aws.iam.Role:
    """An IAM role that only `service_account` (namespace, name) of this cluster may assume
    (IRSA), with `policy` inline. Every workload role of the platform is made here."""
    namespace, name = service_account
    trust = pulumi.Output.all(identity.provider_arn, identity.issuer).apply(
        lambda values: json.dumps(policies.irsa_trust_policy(values[0], values[1], namespace, name))
    )
    role = aws.iam.Role(role_name, name=role_name, assume_role_policy=trust, opts=opts)
    aws.iam.RolePolicy(role_name, role=role.name, policy=pulumi.Output.from_input(policy).apply(json.dumps), opts=opts)
    return role
