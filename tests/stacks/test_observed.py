"""The services observed for real, on the rendered stacks: every service has a PodMonitor the
installed Prometheus selects, and every container knows where to send its traces."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from components import conventions
from components.builders import monitoring, scrape
from novactl.engine.render import render_stack
from novactl.stack.files import platform_config
from tests.conftest import NOVA_SERVICES, PROJECT_DIR, STACKS, render_with_existing_operator
from tests.support import releases, values

OTEL_VARIABLES = set(conventions.OTEL_VARIABLES)


def of_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {document["metadata"]["name"]: document for document in documents if document["kind"] == kind}


def container_env(deployment: dict[str, Any]) -> dict[str, str]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {item["name"]: item.get("value", "") for item in container.get("env", [])}


def prometheus_pod_monitor_selection(recording) -> tuple[dict[str, str], dict[str, Any]]:
    """The PodMonitor selector and namespace selector of the Prometheus that the chart renders
    from our values: `*SelectorNilUsesHelmValues: true` with no explicit selector renders
    `matchLabels: {release: <release name>}` (templates/prometheus/prometheus.yaml)."""
    release = releases(recording)[conventions.MONITORING_RELEASE]
    spec = release.inputs["values"]["prometheus"]["prometheusSpec"]
    assert spec["podMonitorSelectorNilUsesHelmValues"] is True
    assert "podMonitorSelector" not in spec
    return {"release": release.inputs["name"]}, spec["podMonitorNamespaceSelector"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_service_has_one_monitor_that_the_installed_prometheus_selects(rendered, stack):
    documents = rendered[stack].manifests()
    config = platform_config(rendered[stack].config)
    monitors = of_kind(documents, "PodMonitor")
    assert sorted(monitors) == sorted(NOVA_SERVICES)
    selector, namespaces = prometheus_pod_monitor_selection(rendered[stack].recording)
    assert namespaces == {}, "an empty namespace selector is every namespace"
    for monitor in monitors.values():
        assert monitor["metadata"]["namespace"] == config.namespace
        assert selector.items() <= monitor["metadata"]["labels"].items()


@pytest.mark.parametrize("stack", STACKS)
def test_each_monitor_reaches_a_named_port_on_every_deployed_color(rendered, stack):
    documents = rendered[stack].manifests()
    monitors, deployments = of_kind(documents, "PodMonitor"), of_kind(documents, "Deployment")
    config = platform_config(rendered[stack].config)
    for spec in config.services:
        monitor = monitors[spec.name]
        (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
        for color in spec.deployed_colors:
            template = deployments[conventions.color_name(spec.name, color)]["spec"]["template"]
            assert monitor["spec"]["selector"]["matchLabels"].items() <= template["metadata"]["labels"].items()
            (container,) = template["spec"]["containers"]
            assert endpoint["port"] in {port["name"] for port in container["ports"]}


def test_an_existing_prometheus_selects_monitors_by_the_configured_labels():
    result = render_with_existing_operator()
    assert conventions.MONITORING_RELEASE not in releases(result.recording)
    for monitor in of_kind(result.manifests(), "PodMonitor").values():
        assert monitor["metadata"]["labels"]["prometheus"] == "platform"
        assert "release" not in monitor["metadata"]["labels"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_container_sends_traces_to_the_gateway_service_in_the_render(rendered, stack):
    config = platform_config(rendered[stack].config)
    assert config.tracing is not None
    gateway = releases(rendered[stack].recording)[conventions.OTEL_GATEWAY_RELEASE].inputs
    # The collector chart names its Service after fullnameOverride, in the release's namespace,
    # and listens for OTLP/gRPC on its `otlp` port 4317 unless the values disable it.
    host = conventions.cluster_host(gateway["values"]["fullnameOverride"], gateway["namespace"])
    assert gateway["values"]["ports"].get("otlp", {}).get("enabled", True)
    for name, deployment in of_kind(rendered[stack].manifests(), "Deployment").items():
        if deployment["metadata"]["namespace"] != config.namespace:
            continue
        env = container_env(deployment)
        assert env.keys() >= OTEL_VARIABLES, name
        endpoint = urlsplit(env["OTEL_EXPORTER_OTLP_ENDPOINT"])
        assert (endpoint.scheme, endpoint.hostname, endpoint.port) == ("http", host, 4317)
        assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "grpc"
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert env["OTEL_SERVICE_NAME"] == labels[conventions.LABEL_NAME]
        attributes = dict(item.split("=", 1) for item in env["OTEL_RESOURCE_ATTRIBUTES"].split(","))
        assert attributes["deployment.environment.name"] == stack
        assert attributes["service.version"] == labels[conventions.LABEL_VERSION]
        assert attributes["nova.color"] == labels[conventions.LABEL_COLOR]
        assert env["OTEL_TRACES_SAMPLER_ARG"] == f"{config.tracing.sample_ratio:g}"


def test_production_samples_a_tenth_of_new_traces(rendered):
    tracing = platform_config(rendered["production"].config).tracing
    assert tracing is not None
    assert tracing.sample_ratio == 0.1


def test_with_tracing_off_no_container_gets_otel_variables():
    result = render_stack(PROJECT_DIR, "staging", placeholder_secrets=True, overrides=["tracing.enabled=false"])
    deployments = of_kind(result.manifests(), "Deployment")
    assert deployments
    for name, deployment in deployments.items():
        assert not {key for key in container_env(deployment) if key.startswith("OTEL_")}, name


@pytest.mark.parametrize("stack", STACKS)
def test_logs_carry_the_same_service_and_color_as_the_metrics(rendered, stack):
    content = values(rendered[stack].recording, "alloy")["alloy"]["configMap"]["content"]
    for target in ("service", "color"):
        source = conventions.pod_label_meta(scrape.TARGET_LABELS[target])
        assert f'source_labels = ["{source}"]\n    target_label  = "{target}"' in content


def test_loki_links_trace_ids_to_the_tempo_data_source(rendered):
    grafana = values(rendered["staging"].recording, conventions.MONITORING_RELEASE)["grafana"]
    sources = {source["name"]: source for source in grafana["additionalDataSources"]}
    tempo_uid = sources["Tempo"]["uid"]
    fields = sources["Loki"]["jsonData"]["derivedFields"]
    assert {field["datasourceUid"] for field in fields} == {tempo_uid}
    assert {field["url"] for field in fields} == {"$${__value.raw}"}
    assert sources["Tempo"]["jsonData"]["tracesToLogsV2"]["datasourceUid"] == sources["Loki"]["uid"]


def test_a_trace_id_in_a_log_line_matches_the_derived_field():
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    pattern = re.compile(monitoring.TRACE_ID_IN_LINE)
    for line in (f'{{"level":"info","trace_id":"{trace}"}}', f"level=info trace_id={trace} msg=ok"):
        match = pattern.search(line)
        assert match is not None
        assert match.group(1) == trace
    assert pattern.search("trace_id=not-a-trace") is None
