"""What `novactl reach` resolves FROM and TO with (novactl/kube/endpoints.py): workloads, the
pods behind a Service, labels, addresses, and the container port a Service port leads to."""

from __future__ import annotations

from typing import Any

import pytest

from novactl.errors import UsageError
from novactl.kube.endpoints import resolve, target_port, workload_pods
from novactl.kube.netpol import External, Pod


def deployment(name: str, labels: dict[str, str], namespace: str = "ns") -> dict[str, Any]:
    container = {"name": "app", "ports": [{"name": "http", "containerPort": 8080}, {"containerPort": 9000}]}
    return {
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}},
    }


def service(name: str, selector: dict[str, str], ports: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "Service",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {"selector": selector, "ports": ports},
    }


DOCUMENTS = [
    deployment("feed-blue", {"app": "feed", "color": "blue"}),
    deployment("feed-green", {"app": "feed", "color": "green"}),
    deployment("feed-blue", {"app": "feed", "color": "blue"}, namespace="other"),
    service("feed", {"app": "feed", "color": "blue"}, [{"name": "web", "port": 80, "targetPort": "http"}]),
    service("feed-all", {"app": "feed"}, [{"port": 8080}]),
]


def test_workloads_are_their_pod_templates_with_their_named_ports():
    pods = workload_pods(DOCUMENTS)
    assert pods["ns/feed-green"] == Pod("ns", {"app": "feed", "color": "green"}, ports={"http": 8080})
    assert "other/feed-blue" in pods


def test_a_service_stands_for_the_workloads_its_selector_selects_in_its_namespace():
    endpoint = resolve("feed", DOCUMENTS, "ns")
    assert [name for name, _ in endpoint.peers] == ["feed-blue"]
    both = resolve("ns/feed-all", DOCUMENTS, "elsewhere")
    assert [name for name, _ in both.peers] == ["feed-blue", "feed-green"]


def test_a_workload_an_address_and_labels():
    ((_, other),) = resolve("other/feed-blue", DOCUMENTS, "ns").peers
    assert isinstance(other, Pod)
    assert other.namespace == "other"
    assert resolve("10.0.0.7", DOCUMENTS, "ns").peers == (("10.0.0.7", External("10.0.0.7")),)
    ((_, pod),) = resolve("monitoring/app.kubernetes.io/name=prometheus,tier=x", DOCUMENTS, "ns").peers
    assert pod == Pod("monitoring", {"app.kubernetes.io/name": "prometheus", "tier": "x"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fed", "no Service or workload 'fed' in namespace ns of the render; did you mean 'feed'?"),
        ("app.kubernetes.io/name=prometheus", "labels need their namespace first"),
        ("monitoring/app", "no Service or workload 'app' in namespace monitoring"),
        ("ns/=x", "expected key=value"),
    ],
)
def test_what_names_nothing_is_refused_with_a_hint(text: str, message: str):
    with pytest.raises(UsageError, match=message):
        resolve(text, DOCUMENTS, "ns")


def test_a_service_port_leads_to_its_target_port_by_number_or_name():
    feed = resolve("feed", DOCUMENTS, "ns")
    assert target_port(feed, "80") == "http"
    assert target_port(feed, "web") == "http"
    assert target_port(resolve("feed-all", DOCUMENTS, "ns"), "8080") == 8080, "no targetPort: the port itself"
    assert target_port(resolve("feed-green", DOCUMENTS, "ns"), "9000") == 9000, "a workload: the port as given"
    with pytest.raises(UsageError, match=r"feed:8080: the Service has no such port \(its ports: web 80\)"):
        target_port(feed, "8080")
