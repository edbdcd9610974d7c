"""Stack config parsing: defaults, overrides, and one clear error per kind of bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.config.fields import ConfigError
from components.config.services import SERVICE_DEFAULTS
from components.config.stack import SECRET_MARK, decode_engine_config, parse_platform_config


def error_for(raw: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw, "staging")
    return caught.value


def test_minimal_config_gets_documented_defaults(raw_config):
    config = parse_platform_config(raw_config, "staging")
    feed = config.service("feed-service")
    assert config.cloud == "local"
    assert (config.gitops, config.logging, config.tracing, config.performance, config.aws) == (None,) * 5
    assert feed.port == SERVICE_DEFAULTS["port"] == 8080
    assert feed.replicas == 2
    assert feed.idle == "keep"
    assert feed.health_path == "/health"
    assert (feed.liveness.initial_delay_seconds, feed.liveness.period_seconds) == (30, 10)
    assert (feed.readiness.initial_delay_seconds, feed.readiness.period_seconds) == (5, 5)
    assert feed.autoscaling is None


def test_services_are_sorted_by_name(raw_config):
    raw_config["services"] = {"b-service": raw_config["services"]["feed-service"], **raw_config["services"]}
    names = [spec.name for spec in parse_platform_config(raw_config, "staging").services]
    assert names == sorted(names)


def test_service_defaults_override_code_defaults_and_services_override_both(raw_config):
    raw_config["serviceDefaults"] = {"replicas": 3, "liveness": {"periodSeconds": 20}, "resources": {"cpu": "1"}}
    raw_config["services"]["feed-service"]["replicas"] = 5
    raw_config["services"]["feed-service"]["resources"] = {"memory": "1Gi", "memoryLimit": "2Gi"}
    config = parse_platform_config(raw_config, "staging")
    feed, search = config.service("feed-service"), config.service("search-service")
    assert (feed.replicas, search.replicas) == (5, 3)
    # Nested blocks merge key by key: periodSeconds from defaults, the delay from the code.
    assert (search.liveness.period_seconds, search.liveness.initial_delay_seconds) == (20, 30)
    assert (feed.resources.cpu, feed.resources.memory, feed.resources.memory_limit) == ("1", "1Gi", "2Gi")


def test_a_color_without_a_tag_is_idle_and_not_deployed(raw_config):
    search = parse_platform_config(raw_config, "staging").service("search-service")
    assert search.deployed_colors == ("green",)


def test_integer_tags_from_config_set_path_become_text(raw_config):
    raw_config["services"]["feed-service"]["tags"]["green"] = 42
    assert parse_platform_config(raw_config, "staging").service("feed-service").tags["green"] == "42"


def test_autoscaling_leaves_replicas_to_the_hpa(raw_config):
    raw_config["services"]["feed-service"]["autoscaling"] = {"min": 2, "max": 6, "targetCPU": 70}
    feed = parse_platform_config(raw_config, "staging").service("feed-service")
    assert feed.replicas_for("blue") is None
    assert feed.autoscaling is not None
    assert (feed.autoscaling.min, feed.autoscaling.max, feed.autoscaling.target_cpu) == (2, 6, 70)


def test_a_service_can_opt_out_of_default_autoscaling(raw_config):
    raw_config["serviceDefaults"] = {"autoscaling": {"min": 2, "max": 6, "targetCPU": 70}}
    raw_config["services"]["feed-service"]["autoscaling"] = False
    config = parse_platform_config(raw_config, "staging")
    assert config.service("feed-service").autoscaling is None
    assert config.service("search-service").autoscaling is not None


def test_scale_to_zero_runs_no_pods_for_the_inactive_color_only(raw_config):
    raw_config["services"]["feed-service"]["idle"] = "scale-to-zero"
    feed = parse_platform_config(raw_config, "staging").service("feed-service")
    assert (feed.replicas_for("blue"), feed.replicas_for("green")) == (2, 0)


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (
            lambda raw: raw["services"]["feed-service"].update(active="purple"),
            "services.feed-service.active",
            "'purple' is not one of: blue, green",
        ),
        (
            lambda raw: raw["services"]["feed-service"].update(tags={"green": "1.1.0"}),
            "services.feed-service.tags.blue",
            "the active colour blue has no image tag",
        ),
        (
            lambda raw: raw["services"]["feed-service"].update(replicsa=2),
            "services.feed-service.replicsa",
            "did you mean 'replicas'?",
        ),
        (lambda raw: raw.update(namespce="x"), "namespce", "did you mean 'namespace'?"),
        (
            lambda raw: raw.update(serviceDefaults={"helthPath": "/x"}),
            "serviceDefaults.helthPath",
            "did you mean 'healthPath'?",
        ),
        (
            lambda raw: raw["services"]["feed-service"].update(replicas="two"),
            "services.feed-service.replicas",
            "expected an integer, got a string 'two'",
        ),
        (
            lambda raw: raw["services"]["feed-service"].update(replicas=True),
            "services.feed-service.replicas",
            "expected an integer, got a boolean True",
        ),
        (
            lambda raw: raw["services"]["feed-service"].update(port=70000),
            "services.feed-service.port",
            "70000 is out of range (1..65535)",
        ),
        (lambda raw: raw["services"]["feed-service"].update(port=0), "services.feed-service.port", "out of range"),
        (
            lambda raw: raw["services"]["feed-service"].update(resources={"memory": "lots"}),
            "services.feed-service.resources.memory",
            "'lots' is not a Kubernetes quantity",
        ),
        (
            lambda raw: raw["services"]["feed-service"].update(resources={"cpu": "-1"}),
            "services.feed-service.resources.cpu",
            "must be greater than zero",
        ),
        (
            lambda raw: raw["services"]["feed-service"].update(resources={"memory": "1Gi", "memoryLimit": "512Mi"}),
            "services.feed-service.resources.memoryLimit",
            "512Mi is below the memory request 1Gi",
        ),
        (
            lambda raw: raw["services"]["feed-service"].update(replicas=-1),
            "services.feed-service.replicas",
            "-1 is out of range",
        ),
        (
            lambda raw: raw["services"]["feed-service"].update(autoscaling={"min": 5, "max": 2, "targetCPU": 70}),
            "services.feed-service.autoscaling.min",
            "min 5 is greater than max 2",
        ),
        (
            lambda raw: raw["services"]["feed-service"].update(autoscaling={"min": 1, "max": 2}),
            "services.feed-service.autoscaling",
            "missing targetCPU",
        ),
        (
            lambda raw: raw["services"].update({"Feed_Service": {"active": "blue", "tags": {"blue": "1"}}}),
            "services.Feed_Service",
            "is not a valid service name",
        ),
        (
            lambda raw: raw["services"].update({"a" * 43: {"active": "blue", "tags": {"blue": "1"}}}),
            "services." + "a" * 43,
            "longer than 42 characters",
        ),
        (
            lambda raw: raw["services"]["feed-service"]["tags"].update(green="latest"),
            "services.feed-service.tags.green",
            "'latest' is not allowed",
        ),
        (
            lambda raw: raw["services"]["feed-service"]["tags"].update(green="1.0 beta"),
            "services.feed-service.tags.green",
            "not a valid image tag",
        ),
        (
            lambda raw: raw["services"]["feed-service"]["tags"].update(purple="1.0"),
            "services.feed-service.tags.purple",
            "unknown key",
        ),
        (
            lambda raw: raw["services"]["feed-service"].update(idle="sleep"),
            "services.feed-service.idle",
            "'sleep' is not one of: keep, scale-to-zero",
        ),
        (
            lambda raw: raw["services"]["feed-service"].update(healthPath="health"),
            "services.feed-service.healthPath",
            "is not an HTTP path",
        ),
        (
            lambda raw: raw["services"]["feed-service"].update(liveness={"periodSeconds": 0}),
            "services.feed-service.liveness.periodSeconds",
            "out of range",
        ),
        (lambda raw: raw.update(namespace="Nova_Staging"), "namespace", "is not a DNS-1123 label"),
        (lambda raw: raw.pop("namespace"), "namespace", "is required"),
        (lambda raw: raw.update(services={}), "services", "at least one service is required"),
        (lambda raw: raw.update(services=["feed-service"]), "services", "expected an object, got a list"),
        (
            lambda raw: raw.update(imageRegistry="https://registry.example.com/"),
            "imageRegistry",
            "is not a registry host",
        ),
        (lambda raw: raw.update(smokeTestImage="curlimages/curl"), "smokeTestImage", "has no tag"),
        (lambda raw: raw.update(smokeTestImage="curlimages/curl:latest"), "smokeTestImage", "'latest' is not allowed"),
        (lambda raw: raw.update(cloud="gcp"), "cloud", "'gcp' is not one of: aws, local"),
    ],
)
def test_bad_input_names_the_stack_file_and_the_full_key(raw_config, change, key, message):
    change(raw_config)
    error = error_for(raw_config)
    assert error.key == key
    assert message in error.message
    text = str(error)
    assert text.startswith(f"Pulumi.staging.yaml: nova-platform:{key}: ")
    assert "\n" not in text


def test_pinned_digest_is_accepted_for_the_smoke_test_image(raw_config):
    raw_config["smokeTestImage"] = "curlimages/curl@sha256:" + "a" * 64
    assert parse_platform_config(raw_config, "staging").smoke_test_image.endswith("a" * 64)


def test_engine_config_is_decoded_like_pulumi_config_hands_it_over(raw_config):
    flat = {
        "nova-platform:namespace": "nova-test",
        "nova-platform:cloud": "local",
        "nova-platform:imageRegistry": "registry.example.com",
        "nova-platform:services": json.dumps(raw_config["services"]),
        "nova-platform:slackWebhookUrl": "https://hooks.slack.com/services/T/B/X",
        "nova-platform:pagerdutyRoutingKey": "R0UT1NGKEY",
        "nova-platform:grafanaAdminPassword": "hunter2",
        "aws:region": "us-west-2",
    }
    secret_keys = {f"nova-platform:{key}" for key in ("slackWebhookUrl", "pagerdutyRoutingKey", "grafanaAdminPassword")}
    raw = decode_engine_config(flat, "staging", secret_keys)
    assert raw == {**raw_config, "aws:region": "us-west-2"}
    # Secret values never reach the parsed config, only the fact that they are set.
    assert "hunter2" not in json.dumps(raw)
    assert parse_platform_config(raw, "staging").namespace == "nova-test"


def test_engine_config_with_a_non_object_services_value_is_a_config_error():
    with pytest.raises(ConfigError, match=r"Pulumi.dev.yaml: nova-platform:services: expected an object"):
        decode_engine_config({"nova-platform:services": "feed-service"}, "dev", set())


def test_a_secret_key_in_plain_text_is_refused_with_the_command_that_fixes_it():
    flat = {"nova-platform:slackWebhookUrl": "https://hooks.slack.com/services/T/B/X"}
    with pytest.raises(ConfigError) as caught:
        decode_engine_config(flat, "staging", set())
    assert str(caught.value) == (
        "Pulumi.staging.yaml: nova-platform:slackWebhookUrl: is in plain text in the stack file; remove that line "
        "and store it encrypted: pulumi config set --secret slackWebhookUrl <value> -s staging"
    )
    assert "hooks.slack.com" not in str(caught.value)


def test_plain_config_stored_as_a_secret_is_refused_since_the_program_would_hand_it_out_in_clear():
    """Found by the real engine (tests/e2e/test_engine.py): `pulumi config set --secret
    imageRegistry ...` reached every Deployment's inputs, so the state, in plain text."""
    flat = {"nova-platform:imageRegistry": "registry.internal.example:5000"}
    with pytest.raises(ConfigError) as caught:
        decode_engine_config(flat, "dev", {"nova-platform:imageRegistry"})
    assert str(caught.value) == (
        "Pulumi.dev.yaml: nova-platform:imageRegistry: is stored as a secret, but it is plain config that reaches "
        "state and the cluster as it is; set it without --secret: pulumi config set imageRegistry <value> -s dev"
    )
    assert "registry.internal" not in str(caught.value)


@pytest.mark.parametrize("reserved", ["default", "kube-system", "kube-public", "kube-node-lease"])
@pytest.mark.parametrize(
    ("key", "place"),
    [
        ("namespace", lambda raw, name: raw.update(namespace=name)),
        ("monitoring.namespace", lambda raw, name: raw.update(monitoring={"namespace": name})),
        ("gitops.namespace", lambda raw, name: raw.update(gitops={"enabled": True, "namespace": name})),
        ("logging.namespace", lambda raw, name: raw.update(logging={"enabled": True, "namespace": name})),
        ("tracing.namespace", lambda raw, name: raw.update(tracing={"enabled": True, "namespace": name})),
        (
            "performance.namespace",
            lambda raw, name: raw.update(
                performance={"enabled": True, "namespace": name},
                influxdbAdminPassword=SECRET_MARK,
                influxdbAdminToken=SECRET_MARK,
            ),
        ),
    ],
)
def test_kubernetes_own_namespaces_are_refused_everywhere(raw_config, key, place, reserved):
    place(raw_config, reserved)
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw_config, "staging")
    assert caught.value.key == key
    assert (
        caught.value.message
        == f"{reserved!r} is reserved for Kubernetes itself; pick a namespace of the platform's own"
    )
