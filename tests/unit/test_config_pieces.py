"""The gitops, logging, tracing, performance and aws blocks: defaults and one-line errors."""

from __future__ import annotations

import pytest

from components.config.fields import ConfigError
from components.config.stack import SECRET_MARK, parse_platform_config
from tests.conftest import AWS_STACK, assert_config_error


def aws_raw(raw_config):
    raw = {**raw_config, **AWS_STACK}
    del raw["imageRegistry"]
    return raw


def error(raw) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw, "staging")
    return str(caught.value)


def test_pieces_are_off_unless_enabled(raw_config):
    raw_config.update(gitops={"enabled": False}, logging={}, tracing={"enabled": False})
    config = parse_platform_config(raw_config, "staging")
    assert (config.gitops, config.logging, config.tracing, config.performance) == (None,) * 4


def test_enabled_pieces_get_documented_defaults(raw_config):
    raw_config.update(gitops={"enabled": True}, logging={"enabled": True}, tracing={"enabled": True})
    config = parse_platform_config(raw_config, "staging")
    assert config.gitops is not None
    assert (config.gitops.repo_url, config.gitops.target_revision, config.gitops.path) == (
        "https://github.com/proerror/nova",
        "main",
        "k8s/overlays/staging",
    )
    assert (config.gitops.namespace, config.gitops.ha, config.gitops.cluster_resources) == ("argocd", False, ())
    assert config.logging is not None
    assert (config.logging.mode, config.logging.retention_days, config.logging.namespace) == (
        "SingleBinary",
        31,
        "logging",
    )
    assert config.tracing is not None
    assert (config.tracing.gateway_replicas, config.tracing.namespace) == (
        1,
        "tracing",
    )


@pytest.mark.parametrize(
    ("block", "value", "key", "message"),
    [
        ("gitops", {"enabled": "yes"}, "gitops.enabled", "expected true or false"),
        ("gitops", {"enabled": True, "repoUrl": "git@github.com:x/y"}, "gitops.repoUrl", "https://"),
        ("gitops", {"enabled": True, "path": "../secrets"}, "gitops.path", "inside the repository"),
        ("gitops", {"enabled": True, "repo": "x"}, "gitops.repo", "did you mean 'repoUrl'"),
        (
            "gitops",
            {"enabled": True, "clusterResources": [{"group": "*", "kind": "*"}]},
            "gitops.clusterResources[0]",
            "wildcards",
        ),
        (
            "gitops",
            {
                "enabled": True,
                "clusterResources": [{"group": "rbac.authorization.k8s.io", "kind": "ClusterRoleBinding"}],
            },
            "gitops.clusterResources[0]",
            "not for the GitOps repository",
        ),
        (
            "gitops",
            {
                "enabled": True,
                "namespaceResources": [{"group": "", "kind": "ConfigMap"}, {"group": "", "kind": "Secret"}],
            },
            "gitops.namespaceResources[1]",
            "core/Secret is not for the GitOps repository",
        ),
        (
            "gitops",
            {"enabled": True, "namespaceResources": [{"group": "apps", "kind": "ReplicaSet"}]},
            "gitops.namespaceResources[0]",
            "apps/ReplicaSet",
        ),
        (
            "gitops",
            {"enabled": True, "namespaceResources": [{"group": "networking.k8s.io", "kind": "NetworkPolicy"}]},
            "gitops.namespaceResources[0]",
            "open the network",
        ),
        ("logging", {"enabled": True, "mode": "Distributed"}, "logging.mode", "SingleBinary, SimpleScalable"),
        ("logging", {"enabled": True, "retentionDays": 0}, "logging.retentionDays", "out of range"),
        ("tracing", {"enabled": True, "nodeAgent": True}, "tracing.nodeAgent", "the node agent is gone"),
        ("tracing", {"enabled": True, "gatewayReplicas": 0}, "tracing.gatewayReplicas", "out of range"),
        ("tracing", {"enabled": True, "storageSize": "lots"}, "tracing.storageSize", ""),
    ],
)
def test_bad_piece_config_names_the_key(raw_config, block, value, key, message):
    raw_config[block] = value
    text = error(raw_config)
    assert text.startswith(f"Pulumi.staging.yaml: nova-platform:{key}: ")
    assert message in text
    assert "\n" not in text


def test_performance_needs_both_influxdb_secrets(raw_config):
    raw_config["performance"] = {"enabled": True}
    assert "influxdbAdminPassword: is required while performance.enabled is true" in error(raw_config)
    raw_config["influxdbAdminPassword"] = SECRET_MARK
    assert "pulumi config set --secret influxdbAdminToken" in error(raw_config)
    raw_config["influxdbAdminToken"] = SECRET_MARK
    performance = parse_platform_config(raw_config, "staging").performance
    assert performance is not None
    assert (performance.organization, performance.bucket, performance.storage_size) == ("nova", "baselines", "20Gi")


def test_an_aws_stack_gets_its_region_and_aws_defaults(raw_config):
    config = parse_platform_config(aws_raw(raw_config), "staging")
    assert config.image_registry is None
    assert config.aws is not None
    assert (config.aws.region, config.aws.oidc_issuer, config.aws.ecr_keep_images, config.aws.bucket_prefix) == (
        "us-west-2",
        None,
        30,
        "nova-platform",
    )


def test_an_aws_stack_takes_no_image_registry(raw_config):
    raw = aws_raw(raw_config)
    raw["imageRegistry"] = "registry.example.com"
    assert "nova-platform:imageRegistry: only for cloud: local" in error(raw)


def test_an_aws_stack_needs_the_provider_region(raw_config):
    raw = aws_raw(raw_config)
    del raw["aws:region"]
    assert "pulumi config set aws:region" in error(raw)


def test_a_local_stack_takes_no_aws_block(raw_config):
    raw_config["aws"] = {"ecrKeepImages": 5}
    assert "nova-platform:aws: only for cloud: aws" in error(raw_config)


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ({"oidcIssuer": "http://oidc.eks.us-west-2.amazonaws.com/id/X"}, "aws.oidcIssuer"),
        ({"bucketPrefix": "Nova_Platform"}, "aws.bucketPrefix"),
        ({"ecrKeepImages": 1}, "aws.ecrKeepImages"),
    ],
)
def test_bad_aws_settings_name_the_key(raw_config, value, key):
    raw = aws_raw(raw_config)
    raw["aws"] = value
    assert error(raw).startswith(f"Pulumi.staging.yaml: nova-platform:{key}: ")


def test_two_pieces_may_not_share_a_namespace(raw_config):
    raw_config.update(logging={"enabled": True}, tracing={"enabled": True, "namespace": "logging"})
    assert error(raw_config) == (
        "Pulumi.staging.yaml: nova-platform:tracing.namespace: 'logging' is already the namespace of "
        "logging.namespace; pick another"
    )
    raw_config["tracing"] = {"enabled": True, "namespace": "nova-test"}
    assert "is already the namespace of namespace" in error(raw_config)


def test_an_argocd_slack_channel_needs_its_token_as_a_secret(raw_config):
    raw_config["gitops"] = {"enabled": True, "slackChannel": "#deploys"}
    assert_config_error(raw_config, "argocdSlackToken", "pulumi config set --secret argocdSlackToken")
    raw_config["argocdSlackToken"] = SECRET_MARK
    gitops = parse_platform_config(raw_config, "staging").gitops
    assert gitops is not None
    assert gitops.slack_channel == "#deploys"
    raw_config["gitops"]["slackChannel"] = "deploys"
    assert_config_error(raw_config, "gitops.slackChannel", "not a Slack channel")
