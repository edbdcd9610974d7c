"""The EKS cluster's OIDC identity, which IRSA trust policies name."""

from __future__ import annotations

from dataclasses import dataclass

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
