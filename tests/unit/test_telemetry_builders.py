"""The PodMonitor and the OpenTelemetry environment, straight from the pure builders."""

from __future__ import annotations

import pytest

from components.builders import bluegreen as build
from components.builders import scrape
from components.builders.tracing import Telemetry, otel_environment, service_telemetry
from components.config.fields import ConfigError
from components.config.stack import parse_platform_config

NS = "nova-test"
IMAGE = "registry.example.com/nova/feed-service:1.1.0"
TELEMETRY = Telemetry("staging", "http://otel-gateway.tracing.svc.cluster.local:4317", 0.25)


@pytest.fixture
def monitoring(raw_config):
    return parse_platform_config(raw_config, "staging").monitoring


def env(manifest):
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in container.get("env", [])}


def test_the_pod_monitor_has_the_prometheus_operator_shape(make_spec, monitoring):
    # kubernetes-validate has no schema for PodMonitor: the field names are pinned here, as in
    # monitoring.coreos.com/v1 (podMetricsEndpoints[].{port,path,interval,relabelings}).
    monitor = scrape.pod_monitor(make_spec(), NS, monitoring)
    assert (monitor["apiVersion"], monitor["kind"]) == ("monitoring.coreos.com/v1", "PodMonitor")
    assert monitor["metadata"]["name"] == "feed-service"
    assert monitor["metadata"]["namespace"] == NS
    assert set(monitor["spec"]) == {"selector", "podMetricsEndpoints"}
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert set(endpoint) == {"port", "path", "interval", "relabelings"}
    assert (endpoint["port"], endpoint["path"], endpoint["interval"]) == ("http", "/metrics", "30s")
    for rule in endpoint["relabelings"]:
        assert set(rule) == {"action", "sourceLabels", "targetLabel"}
    assert {rule["targetLabel"]: rule["sourceLabels"] for rule in endpoint["relabelings"]} == {
        "service": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
        "color": ["__meta_kubernetes_pod_label_nova_social_color"],
        "version": ["__meta_kubernetes_pod_label_app_kubernetes_io_version"],
    }


def test_the_pod_monitor_selects_both_colors_serving_pods_and_carries_the_release_label(make_spec, monitoring):
    spec = make_spec()
    monitor = scrape.pod_monitor(spec, NS, monitoring)
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert "nova.social/color" not in selector
    for color in ("blue", "green"):
        pod_labels = build.deployment(spec, color, NS, IMAGE)["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= pod_labels.items()
    smoke_labels = build.smoke_test_job(spec, "blue", NS, "curlimages/curl:8.16.0")["spec"]["template"]["metadata"]
    assert not selector.items() <= smoke_labels["labels"].items()
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def test_a_separate_metrics_port_is_named_on_the_pod_and_scraped_there(make_spec, monitoring):
    spec = make_spec(metrics={"port": 9090, "path": "/internal/metrics"})
    ports = build.deployment(spec, "blue", NS, IMAGE)["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert [(port["name"], port["containerPort"]) for port in ports] == [("http", 8080), ("metrics", 9090)]
    (endpoint,) = scrape.pod_monitor(spec, NS, monitoring)["spec"]["podMetricsEndpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("metrics", "/internal/metrics")


def test_the_scrape_interval_comes_from_monitoring(make_spec, raw_config):
    raw_config["monitoring"] = {"scrapeInterval": "15s"}
    monitoring = parse_platform_config(raw_config, "staging").monitoring
    (endpoint,) = scrape.pod_monitor(make_spec(), NS, monitoring)["spec"]["podMetricsEndpoints"]
    assert endpoint["interval"] == "15s"


@pytest.mark.parametrize(
    ("metrics", "key", "message"),
    [
        ({"port": 8080}, "services.feed-service.metrics.port", "is the service's http port"),
        ({"port": 0}, "services.feed-service.metrics.port", "out of range (1..65535)"),
        ({"path": "metrics"}, "services.feed-service.metrics.path", "is not an HTTP path"),
        ({"prot": 9090}, "services.feed-service.metrics.prot", "did you mean 'port'"),
        ("9090", "services.feed-service.metrics", "expected an object {port, path}"),
    ],
)
def test_bad_metrics_settings_are_config_errors(make_spec, metrics, key, message):
    with pytest.raises(ConfigError) as caught:
        make_spec(metrics=metrics)
    assert caught.value.key == key
    assert message in caught.value.message


def test_the_otel_environment_uses_the_specs_variable_names(make_spec):
    variables = env(build.deployment(make_spec(), "green", NS, IMAGE, TELEMETRY))
    assert variables == {
        "POD_NAME": {"fieldRef": {"fieldPath": "metadata.name"}},
        "POD_NAMESPACE": {"fieldRef": {"fieldPath": "metadata.namespace"}},
        "OTEL_SERVICE_NAME": "feed-service",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-gateway.tracing.svc.cluster.local:4317",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=staging,service.namespace=nova,"
        "service.version=1.1.0,nova.color=green,k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME)",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.25",
    }


def test_downward_api_variables_come_before_the_attributes_that_expand_them():
    names = [item["name"] for item in otel_environment(TELEMETRY, "feed-service", "blue", "1.0.0")]
    assert names.index("POD_NAME") < names.index("OTEL_RESOURCE_ATTRIBUTES")
    assert names.index("POD_NAMESPACE") < names.index("OTEL_RESOURCE_ATTRIBUTES")


def test_the_colors_environments_differ_only_in_color_and_version():
    blue = otel_environment(TELEMETRY, "feed-service", "blue", "1.0.0")
    green = otel_environment(TELEMETRY, "feed-service", "green", "1.1.0")
    different = [(b["value"], g["value"]) for b, g in zip(blue, green, strict=True) if b != g]
    assert different == [
        (
            "deployment.environment.name=staging,service.namespace=nova,service.version=1.0.0,nova.color=blue,"
            "k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME)",
            "deployment.environment.name=staging,service.namespace=nova,service.version=1.1.0,nova.color=green,"
            "k8s.namespace.name=$(POD_NAMESPACE),k8s.pod.name=$(POD_NAME)",
        )
    ]


def test_without_tracing_no_otel_variable_is_set(make_spec, raw_config):
    assert service_telemetry(parse_platform_config(raw_config, "staging")) is None
    assert env(build.deployment(make_spec(), "blue", NS, IMAGE)) == {}


@pytest.mark.parametrize(("stack", "ratio"), [("staging", 1.0), ("dev", 1.0), ("production", 0.1)])
def test_the_sample_ratio_defaults_by_stack(raw_config, stack, ratio):
    raw_config["tracing"] = {"enabled": True}
    telemetry = service_telemetry(parse_platform_config(raw_config, stack))
    assert telemetry is not None
    assert telemetry.sample_ratio == ratio
    assert telemetry.endpoint == "http://otel-gateway.tracing.svc.cluster.local:4317"


@pytest.mark.parametrize("ratio", [1.5, -0.1, "all", True])
def test_a_sample_ratio_outside_0_to_1_is_a_config_error(raw_config, ratio):
    raw_config["tracing"] = {"enabled": True, "sampleRatio": ratio}
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw_config, "staging")
    assert caught.value.key == "tracing.sampleRatio"
