"""What AWS computes when a resource is created or a function is called, emulated offline.

The mock engine echoes a resource's inputs as its outputs; a few outputs only the cloud
knows (ARNs, repository URLs) are derived here the way AWS derives them, so a program that
reads them (IAM policies on bucket ARNs, Deployments on ECR URLs) runs as it would in
`pulumi up`. The account is the first of the stack's `aws:allowedAccountIds`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from novactl.stack.files import StackConfig

OFFLINE_ACCOUNT = "000000000000"
"""The account when the stack pins none (`aws:allowedAccountIds`)."""


_NAMED_BY = {
    "aws:s3/bucket:Bucket": "bucket",
    "aws:ecr/repository:Repository": "name",
    "aws:iam/role:Role": "name",
}


class UnknownFunctionError(Exception):
    """A provider function the offline engine does not emulate."""


@dataclass(frozen=True)
class Cloud:
    account: str
    region: str

    @classmethod
    def of(cls, config: StackConfig) -> Cloud:
        allowed = config.values.get("aws:allowedAccountIds")
        if isinstance(allowed, str):
            allowed = json.loads(allowed)
        account = str(allowed[0]) if isinstance(allowed, list) and allowed else OFFLINE_ACCOUNT
        return cls(account=account, region=str(config.values.get("aws:region", "us-east-1")))

    @staticmethod
    def resource_id(type_: str, inputs: dict[str, Any]) -> str | None:
        """The ID AWS gives a resource whose ID is its name (buckets, repositories, roles)."""
        key = _NAMED_BY.get(type_)
        return str(inputs[key]) if key and key in inputs else None

    def outputs(self, type_: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """The computed outputs AWS adds to `inputs` on create."""
        if type_ == "aws:ecr/repository:Repository":
            repository = inputs.get("name", name)
            return {
                "arn": f"arn:aws:ecr:{self.region}:{self.account}:repository/{repository}",
                "registryId": self.account,
                "repositoryUrl": f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{repository}",
            }
        if type_ == "aws:s3/bucket:Bucket":
            bucket = inputs.get("bucket", name)
            return {"arn": f"arn:aws:s3:::{bucket}", "bucket": bucket}
        if type_ == "aws:iam/role:Role":
            role = inputs.get("name", name)
            return {"arn": f"arn:aws:iam::{self.account}:role/{role}", "name": role}
        return {}

    def call(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        """The result of a provider function (data source)."""
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.account, "arn": f"arn:aws:iam::{self.account}:user/offline", "userId": "offline"}
        if token == "aws:eks/getCluster:getCluster":
            # EKS issuers end in an opaque id; a stable stand-in derived from the cluster name.
            cluster = str(args.get("name"))
            opaque = hashlib.sha256(cluster.encode()).hexdigest()[:32].upper()
            issuer = f"https://oidc.eks.{self.region}.amazonaws.com/id/{opaque}"
            return {"name": cluster, "identities": [{"oidcs": [{"issuer": issuer}]}]}
        raise UnknownFunctionError(token)
