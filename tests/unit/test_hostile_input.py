"""Hostile input in a stack file: each is refused with one line naming the file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.config.fields import ConfigError
from components.config.stack import parse_platform_config
from novactl.stack.files import StackError, read_yaml

# Every pattern-checked field, given a valid value with a newline after it: `$` under
# re.match accepts "2.7.0\n", which would then be written into a Deployment.
NEWLINE_CASES = [
    ("services.feed-service.tags.blue", "1.0.0"),
    ("namespace", "nova-test"),
    ("clusterName", "nova-test"),
    ("imageRegistry", "registry.example.com"),
    ("smokeTestImage", "curlimages/curl:8.16.0"),
    ("services.feed-service.resources.memory", "128Mi"),
    ("services.feed-service.analysis.window", "5m"),
    ("monitoring.scrapeInterval", "30s"),
    ("services.feed-service.envFrom", [{"configMap": "feed-config"}]),
    ("services.feed-service.ports", {"grpc": 9090}),
]


def _set(raw: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        raw = raw.setdefault(part, {})
    raw[last] = value


def _with_newline(value: Any) -> Any:
    if isinstance(value, str):
        return value + "\n"
    if isinstance(value, list):
        return [{key: _with_newline(item) for key, item in entry.items()} for entry in value]
    return {f"{key}\n": item for key, item in value.items()}


@pytest.mark.parametrize(("path", "value"), NEWLINE_CASES)
def test_a_trailing_newline_is_refused_in_every_checked_field(raw_config, path, value):
    _set(raw_config, path, value)
    parse_platform_config(raw_config, "staging")  # the value itself is fine
    _set(raw_config, path, _with_newline(value))
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw_config, "staging")
    assert caught.value.key.startswith(path), caught.value.key
    assert str(caught.value).startswith("Pulumi.staging.yaml: nova-platform:")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("host", "api.example.com\n"),
        ("tls", {"certificateArn": "arn:aws:acm:us-west-2:123456789012:certificate/abc\n"}),
        ("tls", {"secretName": "gateway-tls\n"}),
    ],
)
def test_a_trailing_newline_is_refused_in_ingress_fields(field, value):
    from components.config.access import ingress

    settings: dict[str, Any] = {"host": "api.example.com", field: value}
    with pytest.raises(ConfigError):
        ingress(settings, "services.graphql-gateway.ingress")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("services.feed-service.analysis.window", "0s", "'0s' is zero"),
        ("services.feed-service.analysis.window", "0m0s", "'0m0s' is zero"),
        ("services.feed-service.analysis.window", "10y", "'10y' is longer than 1h"),
        ("monitoring.scrapeInterval", "0s", "'0s' is zero"),
        ("monitoring.scrapeInterval", "1d", "'1d' is longer than 5m"),
    ],
)
def test_zero_and_absurd_durations_are_refused(raw_config, path, value, message):
    _set(raw_config, path, value)
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw_config, "staging")
    assert caught.value.key == path
    assert message in caught.value.message


BOMB = "\n".join(
    ["config:", '  a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    + [f"  a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 10)]
    + ["  nova-platform:namespace: *a9", ""]
)


def test_an_alias_bomb_is_refused_from_the_event_stream_before_anything_expands(tmp_path: Path):
    # Expanded, *a9 would be 10^10 strings: the refusal comes from the parser's events alone.
    expected = r"^Pulumi.staging.yaml: line 2: YAML anchor &a0 is not allowed in a stack file"
    with pytest.raises(StackError, match=expected):
        read_yaml(tmp_path / "Pulumi.staging.yaml", BOMB)


def test_a_single_alias_is_refused_too(tmp_path: Path):
    text = "config:\n  nova-platform:namespace: *ns\n"
    with pytest.raises(StackError, match=r"line 2: YAML alias \*ns is not allowed"):
        read_yaml(tmp_path / "Pulumi.dev.yaml", text)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("API_TOKEN", "abc"),
        ("DB_PASSWORD", "hunter2"),
        ("CLIENT_SECRET_ID", "client-9f8e7d"),
        ("SIGNING_KEY", "key-1a2b3c4d"),
        ("NOTIFY_URL", "https://hooks.slack.com/services/T000/B000/XXXXXXXX"),
        ("PAYMENTS", "sk_live_0123456789abcdef"),
        ("BOT", "xoxb-123456789012-abcdefghij"),
    ],
)
@pytest.mark.parametrize("block", ["env", "colorEnv.green"])
def test_a_credential_in_plain_env_is_refused_pointing_at_secret_env(raw_config, block, name, value):
    _set(raw_config, f"services.feed-service.{block}", {name: value})
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw_config, "staging")
    assert caught.value.key == f"services.feed-service.{block}.{name}"
    assert "plain text in the cluster" in caught.value.message
    assert "secretEnv" in caught.value.message
    assert value not in str(caught.value), "the value is never printed"


@pytest.mark.parametrize(("name", "value"), [("RUST_LOG", "info"), ("TOKEN_TTL_SECONDS", "300"), ("FEATURE_X", "on")])
def test_ordinary_variables_pass(raw_config, name, value):
    _set(raw_config, "services.feed-service.env", {name: value})
    parse_platform_config(raw_config, "staging")


def test_a_secret_inside_an_object_is_refused_under_the_engine():
    from components.config.stack import decode_engine_config

    flat = {"nova-platform:namespace": "nova-test", "nova-platform:services": '{"feed-service": {}}'}
    with pytest.raises(ConfigError) as caught:
        decode_engine_config(flat, "staging", {"nova-platform:services"})
    assert caught.value.key == "services"
    assert "holds a secret inside it" in caught.value.message


@pytest.mark.parametrize("key", ["ingressCidrs", "egressCidrs"])
@pytest.mark.parametrize(
    ("cidrs", "index", "message"),
    [
        (["0.0.0.0/0"], 0, "broader than a /8"),
        (["0.0.0.0/1", "128.0.0.0/1"], 0, "broader than a /8"),
        (["::/0"], 0, "broader than a /32"),
        (["2001:db8::/31"], 0, "broader than a /32"),
    ],
)
def test_overly_broad_ranges_are_refused_by_prefix_length_and_in_sum(raw_config, key, cidrs, index, message):
    raw_config["networkPolicy"] = {key: cidrs, **({"egress": "restricted"} if key == "egressCidrs" else {})}
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw_config, "staging")
    assert caught.value.key == f"networkPolicy.{key}[{index}]"
    assert message in caught.value.message


def test_load_balancer_subnets_and_endpoint_ranges_pass(raw_config):
    raw_config["networkPolicy"] = {
        "ingressCidrs": ["10.0.0.0/24", "10.0.1.0/24"],
        "egress": "restricted",
        "egressCidrs": ["52.94.0.0/16", "2600:1f00::/32"],
    }
    assert parse_platform_config(raw_config, "staging").network is not None


def test_production_runs_jobs_only_on_images_pinned_by_digest(raw_config):
    raw_config["smokeTestImage"] = "curlimages/curl:8.16.0"
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw_config, "production")
    assert caught.value.key == "smokeTestImage"
    assert "pinned by digest" in caught.value.message
    parse_platform_config(raw_config, "staging")  # a tag is enough elsewhere


def test_the_default_job_images_are_pinned_by_digest_and_agree_with_pulumi_yaml():
    import yaml

    from components import conventions
    from tests.conftest import PROJECT_DIR

    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    assert project["config"]["smokeTestImage"]["default"] == conventions.SMOKE_TEST_IMAGE
    for image in (conventions.SMOKE_TEST_IMAGE, conventions.ANALYSIS_IMAGE):
        name, _, digest = image.partition("@sha256:")
        assert ":" in name
        assert len(digest) == 64


def test_egress_lists_may_not_add_up_to_more_than_a_slash_8(raw_config):
    cidrs = ["10.0.0.0/9", "10.128.0.0/9", "11.0.0.0/9"]
    raw_config["networkPolicy"] = {"egress": "restricted", "egressCidrs": cidrs}
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw_config, "staging")
    assert caught.value.key == "networkPolicy.egressCidrs[2]"
    assert "adds up to more addresses than one /8" in caught.value.message


@pytest.mark.parametrize("cidr", ["10.20.0.0/16", "10.0.0.0/19", "2600:1f00::/48"])
def test_ingress_comes_from_load_balancer_subnets_not_the_vpc(raw_config, cidr):
    raw_config["networkPolicy"] = {"ingressCidrs": [cidr]}
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw_config, "staging")
    assert caught.value.key == "networkPolicy.ingressCidrs[0]"
    assert "name the load balancer's subnets" in caught.value.message


@pytest.mark.parametrize("cidr", ["169.254.0.0/16", "169.254.169.254/32"])
def test_egress_to_the_instance_metadata_address_is_refused(raw_config, cidr):
    raw_config["networkPolicy"] = {"egress": "restricted", "egressCidrs": [cidr]}
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw_config, "staging")
    assert "instance metadata" in caught.value.message
