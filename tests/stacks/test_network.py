"""The rendered NetworkPolicies, through the evaluator: who reaches the services and who not."""

from __future__ import annotations

from typing import Any

import pytest

from components import conventions
from components.builders.network import (
    COLLECTOR_POD_LABELS,
    GRAFANA_POD_LABELS,
    LOKI_POD_LABELS,
    PROMETHEUS_POD_LABELS,
    TEMPO_POD_LABELS,
)
from novactl.engine.render import render_stack
from novactl.kube.endpoints import workload_pods
from novactl.kube.netpol import Cluster, External, Pod
from novactl.stack.files import platform_config
from tests.conftest import PROJECT_DIR, STACKS

NS = "nova-staging"


def pods(documents: list[dict[str, Any]]) -> dict[str, Pod]:
    """A pod of each workload, by name, as its pod template labels it and names its ports."""
    return {key.split("/", 1)[1]: pod for key, pod in workload_pods(documents).items()}


@pytest.fixture(scope="module")
def staging(rendered) -> tuple[Cluster, dict[str, Pod]]:
    documents = rendered["staging"].manifests()
    return Cluster(documents), pods(documents)


PROMETHEUS = Pod("monitoring", PROMETHEUS_POD_LABELS)


@pytest.mark.parametrize("stack", STACKS)
def test_every_pod_of_the_namespace_is_isolated_for_ingress(rendered, stack):
    documents = rendered[stack].manifests()
    cluster = Cluster(documents)
    config = platform_config(rendered[stack].config)
    for name, pod in pods(documents).items():
        if pod.namespace == config.namespace:
            assert not cluster.allows(Pod("default"), pod, pod.ports.get("http", 8080)), name


@pytest.mark.parametrize("stack", STACKS)
def test_prometheus_scrapes_every_service_of_both_colors(rendered, stack):
    documents = rendered[stack].manifests()
    cluster = Cluster(documents)
    running = pods(documents)
    for spec in platform_config(rendered[stack].config).services:
        for color in spec.deployed_colors:
            target = running[conventions.color_name(spec.name, color)]
            assert cluster.allows(PROMETHEUS, target, spec.metrics_port_name), target


def test_each_smoke_test_reaches_its_color(rendered, staging):
    cluster, running = staging
    smoke_jobs = [name for name in running if "-smoke-" in name]
    assert smoke_jobs
    for job in smoke_jobs:
        color = job.split("-smoke-")[0]
        assert cluster.allows(running[job], running[color], "http"), job


def test_service_to_service_inside_the_namespace(staging):
    cluster, running = staging
    assert cluster.allows(running["graphql-gateway-blue"], running["feed-service-green"], "http")


def test_the_gateway_is_reachable_from_the_load_balancer_and_nothing_else_is(staging):
    cluster, running = staging
    load_balancer = External("10.20.1.4")  # in one of the load balancer's subnets (ingressCidrs)
    assert cluster.allows(load_balancer, running["graphql-gateway-blue"], "http")
    assert not cluster.allows(load_balancer, running["feed-service-green"], "http")
    assert not cluster.allows(External("203.0.113.9"), running["graphql-gateway-blue"], "http")
    # A pod elsewhere in the VPC is not the load balancer: the subnets, not the VPC, are let in.
    assert not cluster.allows(Pod("default", ip="10.20.50.7"), running["graphql-gateway-blue"], "http")


def test_a_pod_in_another_namespace_cannot_reach_feed_service(staging):
    cluster, running = staging
    for outsider in (Pod("default"), Pod("tracing", {"app.kubernetes.io/name": "opentelemetry-collector"})):
        assert not cluster.allows(outsider, running["feed-service-green"], "http")
    # Prometheus's labels in another namespace are not Prometheus.
    assert not cluster.allows(Pod("default", PROMETHEUS_POD_LABELS), running["feed-service-green"], "http")


def test_only_prometheus_reaches_a_separate_metrics_port():
    result = render_stack(
        PROJECT_DIR, "staging", placeholder_secrets=True, overrides=["services.feed-service.metrics.port=9090"]
    )
    documents = result.manifests()
    cluster, running = Cluster(documents), pods(documents)
    feed = running["feed-service-green"]
    assert cluster.allows(PROMETHEUS, feed, "metrics")
    assert not cluster.allows(PROMETHEUS, feed, "http"), "Prometheus scrapes, it does not call the API"
    assert not cluster.allows(running["graphql-gateway-blue"], feed, "metrics")
    assert not cluster.allows(External("10.20.1.4"), feed, "metrics")


def test_restricted_egress_lets_out_dns_the_namespace_tracing_and_the_listed_cidrs():
    result = render_stack(
        PROJECT_DIR,
        "staging",
        placeholder_secrets=True,
        overrides=["networkPolicy.egress=restricted"],
        stack_text=(PROJECT_DIR / "Pulumi.staging.yaml")
        .read_text()
        .replace("    ingressCidrs:\n", "    egressCidrs:\n      - 52.94.0.0/16\n    ingressCidrs:\n", 1),
    )
    documents = result.manifests()
    cluster, running = Cluster(documents), pods(documents)
    feed = running["feed-service-green"]
    dns = Pod("kube-system", {"k8s-app": "kube-dns"})
    assert cluster.allows(feed, dns, 53, "UDP")
    assert cluster.allows(feed, running["graphql-gateway-blue"], "http")
    assert cluster.allows(feed, Pod("tracing", {"app.kubernetes.io/name": "opentelemetry-collector"}), 4317)
    assert cluster.allows(feed, External("52.94.1.1"), 443)
    (analysis,) = [pod for name, pod in running.items() if name.startswith("feed-service-analysis-")]
    assert cluster.allows(analysis, PROMETHEUS, 9090), "the analysis Job reaches Prometheus"
    assert not cluster.allows(analysis, Pod("monitoring", {"app.kubernetes.io/name": "grafana"}), 3000)
    assert not cluster.allows(feed, External("8.8.8.8"), 443)
    assert not cluster.allows(feed, Pod("default"), 8080)


def test_open_egress_is_the_default(staging):
    cluster, running = staging
    assert cluster.allows(running["feed-service-green"], External("8.8.8.8"), 443)


# Pods of the pieces, as their charts label them (components/builders/network.py).
COLLECTOR = Pod("tracing", COLLECTOR_POD_LABELS)
GRAFANA = Pod("monitoring", GRAFANA_POD_LABELS)
ALERTMANAGER = Pod("monitoring", {"app.kubernetes.io/name": "alertmanager"})
LOKI_GATEWAY = Pod("logging", {**LOKI_POD_LABELS, "app.kubernetes.io/component": "gateway"})
ALLOY = Pod("logging", {"app.kubernetes.io/name": "alloy"})
TEMPO = Pod("tracing", TEMPO_POD_LABELS)
INFLUXDB = Pod("performance", {"app.kubernetes.io/name": "influxdb2"})
ARGOCD_SERVER = Pod("argocd", {"app.kubernetes.io/name": "argocd-server"})
METADATA = External("169.254.169.254")


@pytest.fixture(scope="module", params=["staging", "production"])
def aws_stack(request, rendered) -> tuple[Cluster, dict[str, Pod]]:
    documents = rendered[request.param].manifests()
    return Cluster(documents), pods(documents)


def test_only_the_collector_and_the_analysis_reach_prometheus_whose_port_takes_writes(aws_stack):
    cluster, running = aws_stack
    (analysis, *_) = [pod for name, pod in running.items() if "-analysis-" in name]
    assert cluster.allows(COLLECTOR, PROMETHEUS, 9090), "remote write from the collector"
    assert cluster.allows(analysis, PROMETHEUS, 9090), "the analysis queries"
    assert cluster.allows(GRAFANA, PROMETHEUS, 9090), "Grafana, in its own namespace"
    for outsider in (running["feed-service-green"], LOKI_GATEWAY, Pod("default"), Pod("tracing", {"x": "y"})):
        assert not cluster.allows(outsider, PROMETHEUS, 9090), outsider


def test_alertmanager_takes_alerts_from_prometheus_only(aws_stack):
    cluster, running = aws_stack
    assert cluster.allows(PROMETHEUS, ALERTMANAGER, 9093)
    for outsider in (running["feed-service-green"], COLLECTOR, Pod("default")):
        assert not cluster.allows(outsider, ALERTMANAGER, 9093), outsider


def test_loki_takes_pushes_and_queries_from_the_shippers_and_grafana_only(aws_stack):
    cluster, running = aws_stack
    for client in (ALLOY, COLLECTOR, GRAFANA):
        assert cluster.allows(client, LOKI_GATEWAY, 8080), client
    for outsider in (running["feed-service-green"], TEMPO, Pod("default")):
        assert not cluster.allows(outsider, LOKI_GATEWAY, 8080), outsider
    assert cluster.allows(PROMETHEUS, LOKI_GATEWAY, 3100), "Prometheus scrapes every piece"


def test_services_send_otlp_to_the_collector_and_only_grafana_queries_tempo(aws_stack):
    cluster, running = aws_stack
    feed = running["feed-service-green"]
    assert cluster.allows(feed, COLLECTOR, 4317)
    assert cluster.allows(feed, COLLECTOR, 4318)
    assert not cluster.allows(feed, TEMPO, 3200)
    assert not cluster.allows(feed, COLLECTOR, 8888), "OTLP only"
    assert cluster.allows(GRAFANA, TEMPO, 3200)
    assert cluster.allows(COLLECTOR, TEMPO, 4317), "the collector's traces, inside the namespace"


def test_argocd_and_influxdb_take_nothing_from_the_services(aws_stack):
    cluster, running = aws_stack
    feed = running["feed-service-green"]
    assert not cluster.allows(feed, ARGOCD_SERVER, 8080)
    assert not cluster.allows(feed, INFLUXDB, 8086)
    assert cluster.allows(PROMETHEUS, INFLUXDB, 8086)


def test_no_pod_reaches_the_instance_metadata_service_on_aws(aws_stack):
    cluster, running = aws_stack
    for pod in (running["feed-service-green"], LOKI_GATEWAY, COLLECTOR, PROMETHEUS, ARGOCD_SERVER, INFLUXDB):
        assert not cluster.allows(pod, METADATA, 80), pod
        assert cluster.allows(pod, External("52.94.1.1"), 443), "everything else stays open"


def test_dev_has_no_aws_so_no_metadata_policy(rendered):
    names = {m["metadata"]["name"] for m in rendered["dev"].manifests() if m["kind"] == "NetworkPolicy"}
    assert "no-instance-metadata" not in names
