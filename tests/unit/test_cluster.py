"""The cluster check (components/cluster.py): an AWS stack names its cluster, and the program
refuses to register anything in another one."""

from __future__ import annotations

from typing import Any

import pytest

from components import cluster
from components.cluster import Reached, verify_cluster
from components.config.fields import ConfigError
from components.config.stack import PlatformConfig, parse_platform_config
from tests.conftest import AWS_STACK

UID = AWS_STACK["clusterUid"]


def aws_stack(raw_config: dict[str, Any], **changes: Any) -> dict[str, Any]:
    raw = {**raw_config, **AWS_STACK, "imageRegistry": None, **changes}
    return {key: value for key, value in raw.items() if value is not None}


@pytest.mark.parametrize(
    ("missing", "expected"),
    [
        (
            "kubernetes:context",
            "Pulumi.staging.yaml: kubernetes:context: a stack on AWS names the context of its own cluster",
        ),
        ("clusterUid", "Pulumi.staging.yaml: nova-platform:clusterUid: a stack on AWS names its cluster"),
    ],
)
def test_an_aws_stack_must_name_its_cluster(raw_config, missing, expected):
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(aws_stack(raw_config, **{missing: None}), "staging")
    assert str(caught.value).startswith(expected)


def test_a_cluster_uid_is_a_uid_and_a_local_stack_may_name_none(raw_config):
    with pytest.raises(ConfigError, match="expected the UID of the cluster's kube-system namespace"):
        parse_platform_config(aws_stack(raw_config, clusterUid="nova-staging"), "staging")
    local = parse_platform_config(raw_config, "dev")
    assert (local.kube_context, local.cluster_uid) == (None, None)
    named = parse_platform_config(aws_stack(raw_config), "staging")
    assert (named.kube_context, named.cluster_uid) == ("nova-staging", UID)


@pytest.fixture
def staging(raw_config) -> PlatformConfig:
    return parse_platform_config(aws_stack(raw_config), "staging")


def reads(reached: Reached | Exception, seen: list[Any] | None = None) -> cluster.Reader:
    def reader(config: PlatformConfig, kubeconfig: str | None) -> Reached:
        if seen is not None:
            seen.append((config.kube_context, kubeconfig))
        if isinstance(reached, Exception):
            raise reached
        return reached

    return reader


def test_the_stacks_own_cluster_passes_through_the_context_it_names(staging, monkeypatch):
    seen: list[Any] = []
    monkeypatch.setattr(cluster, "reader", reads(Reached("https://a.example", UID), seen))
    verify_cluster(staging, "/home/sre/.kube/config")
    assert seen == [("nova-staging", "/home/sre/.kube/config")]


def test_another_cluster_stops_the_program_with_one_line_naming_both(staging, monkeypatch):
    other = "9d1f6e2a-0c4b-4f7e-8a3d-5b2c1e0f9a87"
    monkeypatch.setattr(cluster, "reader", reads(Reached("https://prod.example", other)))
    with pytest.raises(ConfigError) as caught:
        verify_cluster(staging, None)
    assert str(caught.value) == (
        f"Pulumi.staging.yaml: nova-platform:clusterUid: stack staging belongs to cluster {UID}, but context "
        f"nova-staging reaches cluster {other} at https://prod.example; nothing was registered"
    )


def test_a_cluster_that_cannot_be_read_stops_the_program_too(staging, monkeypatch):
    monkeypatch.setattr(cluster, "reader", reads(OSError("Invalid kube-config file. No configuration found.\nmore")))
    with pytest.raises(ConfigError) as caught:
        verify_cluster(staging, None)
    assert str(caught.value) == (
        "Pulumi.staging.yaml: nova-platform:clusterUid: stack staging cannot tell which cluster context "
        "nova-staging reaches (Invalid kube-config file. No configuration found.); nothing was registered"
    )


def test_a_stack_that_names_no_cluster_reads_none(raw_config, monkeypatch):
    monkeypatch.setattr(cluster, "reader", reads(AssertionError("must not be read")))
    verify_cluster(parse_platform_config(raw_config, "dev"), None)
