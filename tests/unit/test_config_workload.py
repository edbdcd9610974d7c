"""What a service may be given (env, envFrom, secretEnv, command, args, ports, colorEnv), who it
is (kubernetesApi, aws.statements) and its way in (ingress): the good shapes and the bad-input
catalogue, each a ConfigError naming the stack file and the key."""

from __future__ import annotations

import pytest

from components.config.fields import ConfigError
from components.config.stack import SECRET_MARK, decode_engine_config, parse_platform_config
from tests.conftest import AWS_STACK, assert_config_error

FEED = "services.feed-service"


def feed(raw, **settings):
    raw["services"]["feed-service"].update(settings)
    return raw


def aws_stack(raw):
    raw.pop("imageRegistry")
    raw.update(AWS_STACK)
    return raw


def test_env_envfrom_secrets_command_args_and_ports_parse(raw_config):
    raw_config["serviceDefaults"] = {"env": {"RUST_LOG": "info", "REGION": "eu"}}
    raw_config["stripeApiKey"] = SECRET_MARK
    feed(
        raw_config,
        env={"REGION": "us"},
        colorEnv={"green": {"FEATURE_X": "on"}},
        envFrom=[{"configMap": "feed-settings"}, {"secret": "feed-db", "optional": True}],
        secretEnv={"STRIPE_KEY": "stripeApiKey"},
        command=["/app/feed"],
        args=["--listen", "0.0.0.0:8080"],
        ports={"grpc": 9090},
        kubernetesApi=True,
    )
    spec = parse_platform_config(raw_config, "staging").service("feed-service")
    assert spec.env == {"RUST_LOG": "info", "REGION": "us"}, "env merges key by key over the defaults"
    assert spec.env_for("green") == {"RUST_LOG": "info", "REGION": "us", "FEATURE_X": "on"}
    assert spec.env_for("blue") == {"RUST_LOG": "info", "REGION": "us"}
    assert [(s.kind, s.name, s.optional) for s in spec.env_from] == [
        ("configMap", "feed-settings", False),
        ("secret", "feed-db", True),
    ]
    assert dict(spec.secret_env) == {"STRIPE_KEY": "stripeApiKey"}
    assert (spec.command, spec.args) == (("/app/feed",), ("--listen", "0.0.0.0:8080"))
    assert dict(spec.ports) == {"grpc": 9090}
    assert spec.kubernetes_api is True


def test_statements_and_ingress_parse_on_an_aws_stack(raw_config):
    aws_stack(raw_config)
    feed(
        raw_config,
        aws={"statements": [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/*"]}]},
        ingress={
            "host": "api.example.com",
            "tls": {"certificateArn": "arn:aws:acm:us-west-2:123456789012:certificate/abc"},
        },
    )
    spec = parse_platform_config(raw_config, "production").service("feed-service")
    assert spec.aws_statements[0].actions == ("s3:GetObject",)
    assert spec.ingress is not None
    assert spec.ingress.host == "api.example.com"


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (lambda raw: feed(raw, env={"FEATURE-X": "on"}), f"{FEED}.env.FEATURE-X", "not an environment variable name"),
        (lambda raw: feed(raw, env={"PORT": 8080}), f"{FEED}.env.PORT", 'quote it (PORT: "8080")'),
        (lambda raw: feed(raw, env={"DEBUG": True}), f"{FEED}.env.DEBUG", 'quote it (DEBUG: "true")'),
        (lambda raw: feed(raw, env={"POD_NAME": "x"}), f"{FEED}.env.POD_NAME", "set by the platform itself"),
        (
            lambda raw: feed(raw, env={"OTEL_SERVICE_NAME": "x"}),
            f"{FEED}.env.OTEL_SERVICE_NAME",
            "set by the platform itself",
        ),
        (
            lambda raw: feed(raw, secretEnv={"STRIPE_KEY": "stripeApiKey"}),
            f"{FEED}.secretEnv.STRIPE_KEY",
            "which is not set: pulumi config set --secret stripeApiKey <value> -s staging",
        ),
        (
            lambda raw: feed(raw, secretEnv={"NS": "namespace"}),
            f"{FEED}.secretEnv.NS",
            "one of the platform's own keys",
        ),
        (
            lambda raw: feed(raw, env={"STRIPE_ACCOUNT": "x"}, secretEnv={"STRIPE_ACCOUNT": "k"}) | {"k": SECRET_MARK},
            f"{FEED}.secretEnv.STRIPE_ACCOUNT",
            "also in env",
        ),
        (lambda raw: feed(raw, ports={"grpc": 8080}), f"{FEED}.ports.grpc", "8080 is already the http port"),
        (lambda raw: feed(raw, ports={"http": 9000}), f"{FEED}.ports.http", "the platform's own port name"),
        (
            lambda raw: feed(raw, ports={"grpc": 9090, "admin": 9090}),
            f"{FEED}.ports.admin",
            "9090 is already the grpc port",
        ),
        (lambda raw: feed(raw, ports={"Grpc_Port": 9090}), f"{FEED}.ports.Grpc_Port", "not a port name"),
        (
            lambda raw: feed(raw, envFrom=[{"configMap": "a", "secret": "b"}]),
            f"{FEED}.envFrom[0]",
            "exactly one of configMap or secret",
        ),
        (
            lambda raw: feed(raw, envFrom=[{"configMap": "Bad_Name"}]),
            f"{FEED}.envFrom[0].configMap",
            "not a Kubernetes",
        ),
        (lambda raw: feed(raw, args=["--port", 8080]), f"{FEED}.args[1]", "expected a string"),
        (lambda raw: feed(raw, command="/app/feed"), f"{FEED}.command", "expected a list of strings"),
        (lambda raw: feed(raw, colorEnv={"purple": {"A": "b"}}), f"{FEED}.colorEnv.purple", "unknown key"),
        (
            lambda raw: feed(raw, aws={"statements": [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b"]}]}),
            f"{FEED}.aws.statements",
            "this stack has no AWS (cloud: local)",
        ),
        (lambda raw: feed(raw, ingress={"host": "not a host"}), f"{FEED}.ingress.host", "is not a DNS name"),
        (lambda raw: feed(raw, ingress={"host": "Api.Example.com"}), f"{FEED}.ingress.host", "is not a DNS name"),
        (
            lambda raw: feed(raw, ingress={"host": "a.example.com", "tls": {"certificateArn": "arn:aws:iam::1:x"}}),
            f"{FEED}.ingress.tls.certificateArn",
            "not an ACM certificate ARN",
        ),
        (
            lambda raw: raw.update(serviceDefaults={"ingress": {"host": "a.example.com"}}),
            "serviceDefaults.ingress",
            "unknown key",
        ),
        (
            lambda raw: raw.update(networkPolicy={"ingressCidrs": ["10.0.0.0/33"]}),
            "networkPolicy.ingressCidrs[0]",
            "not a CIDR",
        ),
        (
            lambda raw: raw.update(networkPolicy={"egressCidrs": ["10.0.0.0/16"]}),
            "networkPolicy.egressCidrs",
            "only with egress: restricted",
        ),
    ],
)
def test_bad_service_input_is_a_config_error(raw_config, change, key, message):
    change(raw_config)
    assert_config_error(raw_config, key, message)


@pytest.mark.parametrize(
    ("statement", "found"),
    [
        ({"actions": ["s3:*"], "resources": ["arn:aws:s3:::b/*"]}, "action 's3:*'"),
        ({"actions": ["*"], "resources": ["arn:aws:s3:::b/*"]}, "action '*'"),
        ({"actions": ["s3:GetObject"], "resources": ["*"]}, "resource '*'"),
        ({"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::*/*"]}, "resource 'arn:aws:s3:::*/*'"),
        ({"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::nova-*/x"]}, "resource 'arn:aws:s3:::nova-*/x'"),
        (
            {"actions": ["dynamodb:GetItem"], "resources": ["arn:aws:dynamodb:us-west-2:123456789012:table/*"]},
            "table/*",
        ),
        ({"actions": ["iam:PassRole"], "resources": ["arn:aws:iam::123456789012:role/x"]}, "iam:PassRole can escalate"),
        ({"actions": ["iam:PutRolePolicy"], "resources": ["arn:aws:iam::123456789012:role/x"]}, "can escalate"),
        ({"actions": ["sts:AssumeRole"], "resources": ["arn:aws:iam::123456789012:role/x"]}, "sts:AssumeRole"),
    ],
)
def test_wildcards_are_refused_on_production_and_allowed_elsewhere(raw_config, statement, found):
    feed(aws_stack(raw_config), aws={"statements": [statement]})
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw_config, "production")
    assert caught.value.key == f"{FEED}.aws.statements[0]"
    assert found in caught.value.message
    assert parse_platform_config(raw_config, "staging").service("feed-service").aws_statements


def test_a_service_secret_in_plain_text_is_refused():
    flat = {
        "nova-platform:services": '{"feed-service": {"secretEnv": {"STRIPE_KEY": "stripeApiKey"}}}',
        "nova-platform:stripeApiKey": "sk_live_in_the_clear",
    }
    raw = decode_engine_config(flat, "staging", set())
    assert raw["stripeApiKey"] == "sk_live_in_the_clear", "plain text stays plain; the parser refuses it"
    secret = decode_engine_config(flat, "staging", {"nova-platform:stripeApiKey"})
    assert secret["stripeApiKey"] == SECRET_MARK, "only its presence is kept"


def test_a_plain_text_service_secret_stops_the_parse(raw_config):
    raw_config["stripeApiKey"] = "sk_live_in_the_clear"
    feed(raw_config, secretEnv={"STRIPE_KEY": "stripeApiKey"})
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw_config, "staging")
    assert caught.value.key == "stripeApiKey"
    assert "pulumi config set --secret stripeApiKey <value> -s staging" in caught.value.message
    assert "sk_live" not in str(caught.value)


@pytest.mark.parametrize(
    ("settings", "key", "message"),
    [
        ({"canary": {"pods": 1}, "autoscaling": {"min": 2, "max": 4, "targetCPU": 70}}, "canary", "the HPA sets"),
        ({"canary": {"pods": 1}, "idle": "scale-to-zero"}, "canary", "never smoke-tested"),
        ({"canary": {"pods": 1}, "tags": {"blue": "1.0.0"}}, "canary", "green has no image tag"),
        ({"canary": {"pods": 0}}, "canary.pods", "out of range"),
        ({"analysis": {"window": "1m", "interval": "5m"}}, "analysis.interval", "longer than the window"),
        ({"analysis": {"window": "five minutes"}}, "analysis.window", "not a duration"),
    ],
)
def test_bad_canary_and_analysis_settings(raw_config, settings, key, message):
    feed(raw_config, **settings)
    assert_config_error(raw_config, f"{FEED}.{key}", message)


def test_one_named_buckets_objects_are_no_wildcard(raw_config):
    statement = {"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::nova-media-production/uploads/*"]}
    feed(aws_stack(raw_config), aws={"statements": [statement]})
    assert parse_platform_config(raw_config, "production").service("feed-service").aws_statements


def test_an_escalating_action_passes_on_production_when_accepted_by_name(raw_config):
    statement = {
        "actions": ["iam:PassRole", "iam:GetRole"],
        "resources": ["arn:aws:iam::123456789012:role/nova-batch"],
        "allowEscalation": ["iam:PassRole"],
    }
    feed(aws_stack(raw_config), aws={"statements": [statement]})
    (parsed,) = parse_platform_config(raw_config, "production").service("feed-service").aws_statements
    assert parsed.escalations() == []


@pytest.mark.parametrize(
    ("allowed", "message"),
    [(["iam:CreateRole"], "not one of the statement's actions"), (["iam:GetRole"], "does not escalate")],
)
def test_allow_escalation_names_only_escalating_actions_of_its_statement(raw_config, allowed, message):
    statement = {
        "actions": ["iam:PassRole", "iam:GetRole"],
        "resources": ["arn:aws:iam::123456789012:role/nova-batch"],
        "allowEscalation": allowed,
    }
    feed(aws_stack(raw_config), aws={"statements": [statement]})
    assert_config_error(raw_config, f"{FEED}.aws.statements[0].allowEscalation", message, "production")
