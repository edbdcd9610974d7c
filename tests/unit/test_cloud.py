"""The offline engine's stand-in for what AWS computes."""

from __future__ import annotations

import pytest

from novactl.engine.cloud import OFFLINE_ACCOUNT, Cloud, UnknownFunctionError
from novactl.stack.files import StackConfig


def cloud(values):
    return Cloud.of(StackConfig(project="nova-platform", stack="staging", values=values))


def test_the_account_is_the_first_allowed_account_and_the_region_the_providers():
    assert cloud({"aws:allowedAccountIds": ["111122223333"], "aws:region": "eu-west-1"}) == Cloud(
        "111122223333", "eu-west-1"
    )
    assert cloud({}).account == OFFLINE_ACCOUNT


def test_computed_outputs_follow_aws_formats():
    aws = Cloud("111122223333", "us-west-2")
    assert aws.outputs("aws:ecr/repository:Repository", "feed", {"name": "nova/feed"})["repositoryUrl"] == (
        "111122223333.dkr.ecr.us-west-2.amazonaws.com/nova/feed"
    )
    assert aws.outputs("aws:s3/bucket:Bucket", "b", {"bucket": "logs"})["arn"] == "arn:aws:s3:::logs"
    assert aws.outputs("aws:iam/role:Role", "r", {"name": "loki"})["arn"] == "arn:aws:iam::111122223333:role/loki"
    assert aws.resource_id("aws:s3/bucket:Bucket", {"bucket": "logs"}) == "logs"
    assert aws.outputs("aws:iam/rolePolicy:RolePolicy", "p", {}) == {}


def test_the_cluster_lookup_gives_a_stable_issuer_and_unknown_functions_fail():
    aws = Cloud("111122223333", "us-west-2")
    first = aws.call("aws:eks/getCluster:getCluster", {"name": "nova-staging"})
    assert first == aws.call("aws:eks/getCluster:getCluster", {"name": "nova-staging"})
    assert first["identities"][0]["oidcs"][0]["issuer"].startswith("https://oidc.eks.us-west-2.amazonaws.com/id/")
    with pytest.raises(UnknownFunctionError):
        aws.call("aws:ec2/getVpc:getVpc", {})
