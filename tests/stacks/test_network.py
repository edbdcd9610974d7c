"""The rendered NetworkPolicies, through the evaluator: who reaches the services and who not."""

from __future__ import annotations

from typing import Any

import pytest

from components import conventions
from components.builders.network import PROMETHEUS_POD_LABELS
from novactl.netpol import Cluster, External, Pod
from novactl.render import platform_config, render_stack
from tests.conftest import PROJECT_DIR, STACKS

NS = "nova-staging"


def pods(documents: list[dict[str, Any]]) -> dict[str, Pod]:
    """A pod of each Deployment and Job, as its template labels and named ports make it."""
    found = {}
    for document in documents:
        if document["kind"] not in ("Deployment", "Job"):
            continue
        template = document["spec"]["template"]
        ports = {
            port["name"]: port["containerPort"]
            for container in template["spec"]["containers"]
            for port in container.get("ports", [])
        }
        found[document["metadata"]["name"]] = Pod(
            document["metadata"]["namespace"], template["metadata"]["labels"], ports=ports
        )
    return found


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
def test_prometheus_scrapes_every_service_of_both_colours(rendered, stack):
    documents = rendered[stack].manifests()
    cluster = Cluster(documents)
    running = pods(documents)
    for spec in platform_config(rendered[stack].config).services:
        for color in spec.deployed_colors:
            target = running[conventions.colour_name(spec.name, color)]
            assert cluster.allows(PROMETHEUS, target, spec.metrics_port_name), target


def test_each_smoke_test_reaches_its_colour(rendered, staging):
    cluster, running = staging
    smoke_jobs = [name for name in running if "-smoke-" in name]
    assert smoke_jobs
    for job in smoke_jobs:
        colour = job.split("-smoke-")[0]
        assert cluster.allows(running[job], running[colour], "http"), job


def test_service_to_service_inside_the_namespace(staging):
    cluster, running = staging
    assert cluster.allows(running["graphql-gateway-blue"], running["feed-service-green"], "http")


def test_the_gateway_is_reachable_from_the_load_balancer_and_nothing_else_is(staging):
    cluster, running = staging
    load_balancer = External("10.20.3.4")  # inside networkPolicy.ingressCidrs
    assert cluster.allows(load_balancer, running["graphql-gateway-blue"], "http")
    assert not cluster.allows(load_balancer, running["feed-service-green"], "http")
    assert not cluster.allows(External("203.0.113.9"), running["graphql-gateway-blue"], "http")


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
    assert not cluster.allows(External("10.20.3.4"), feed, "metrics")


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
