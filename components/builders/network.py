"""NetworkPolicies of the stack namespace: deny every ingress by default, then let in exactly
what each service serves (networking.k8s.io/v1; semantics in novactl/netpol.py).

- the namespace's own pods reach a service's ports (service to service, smoke tests);
- Prometheus, from the monitoring namespace, reaches the port it scrapes;
- the ingress controller (its namespace, or the load balancer's CIDRs) reaches a service that
  has an ingress, on its http port.
Egress stays open unless `networkPolicy.egress: restricted` (then: DNS, the namespace, Prometheus
for the analysis Jobs, the tracing gateway and the listed CIDRs).
"""

from __future__ import annotations

from typing import Any

from components import conventions
from components.builders import Manifest
from components.builders.scrape import server_pod_selector
from components.builders.tracing import OTLP_GRPC_PORT
from components.config.network import NetworkSpec
from components.config.services import ServiceSpec
from components.config.stack import PlatformConfig

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
"""The label Kubernetes puts on every namespace, holding its name."""
PROMETHEUS_POD_LABELS = {"app.kubernetes.io/name": "prometheus"}
"""The label the Prometheus operator puts on the pods of every Prometheus it runs."""
DNS_POD_LABELS = {"k8s-app": "kube-dns"}  # CoreDNS on EKS and kind
DENY_POLICY = "default-deny"
EGRESS_POLICY = "restricted-egress"


def _namespace(name: str) -> dict[str, Any]:
    return {"matchLabels": {NAMESPACE_NAME_LABEL: name}}


def _policy(name: str, namespace: str, spec: dict[str, Any]) -> Manifest:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": conventions.owned_labels()},
        "spec": spec,
    }


def default_deny(config: PlatformConfig, network: NetworkSpec) -> Manifest:
    """No pod of the namespace takes a connection that no other policy lets in."""
    types = ["Ingress", "Egress"] if network.egress == "restricted" else ["Ingress"]
    return _policy(DENY_POLICY, config.namespace, {"podSelector": {}, "policyTypes": types})


def restricted_egress(config: PlatformConfig, network: NetworkSpec) -> Manifest:
    """With `egress: restricted`: DNS, the namespace itself, the tracing gateway, and the
    configured CIDRs (the AWS endpoints) on 443; nothing else."""
    dns_ports = [{"protocol": protocol, "port": 53} for protocol in ("UDP", "TCP")]
    rules: list[dict[str, Any]] = [
        {
            "to": [{"namespaceSelector": _namespace("kube-system"), "podSelector": {"matchLabels": DNS_POD_LABELS}}],
            "ports": dns_ports,
        },
        {"to": [{"podSelector": {}}]},
        # The analysis Jobs query Prometheus.
        {
            "to": [
                {
                    "namespaceSelector": _namespace(config.monitoring.namespace),
                    "podSelector": {"matchLabels": PROMETHEUS_POD_LABELS},
                }
            ],
            "ports": [{"protocol": "TCP", "port": conventions.PROMETHEUS_PORT}],
        },
    ]
    if config.tracing is not None:
        rules.append(
            {
                "to": [{"namespaceSelector": _namespace(config.tracing.namespace)}],
                "ports": [{"protocol": "TCP", "port": OTLP_GRPC_PORT}],
            }
        )
    if network.egress_cidrs:
        rules.append(
            {
                "to": [{"ipBlock": {"cidr": cidr}} for cidr in network.egress_cidrs],
                "ports": [{"protocol": "TCP", "port": 443}],
            }
        )
    return _policy(EGRESS_POLICY, config.namespace, {"podSelector": {}, "policyTypes": ["Egress"], "egress": rules})


def service_policy(spec: ServiceSpec, config: PlatformConfig, network: NetworkSpec) -> Manifest:
    """What may reach one service's pods (both colours), port by port."""
    served = [conventions.HTTP_PORT_NAME, *spec.ports]
    rules: list[dict[str, Any]] = [
        # The namespace's own pods: other services, and the smoke tests of each colour.
        {"from": [{"podSelector": {}}], "ports": [{"protocol": "TCP", "port": name} for name in served]},
        {
            "from": [
                {
                    "namespaceSelector": _namespace(config.monitoring.namespace),
                    "podSelector": {"matchLabels": PROMETHEUS_POD_LABELS},
                }
            ],
            "ports": [{"protocol": "TCP", "port": spec.metrics_port_name}],
        },
    ]
    if spec.ingress is not None:
        sources: list[dict[str, Any]] = []
        if network.ingress_namespace is not None:
            sources.append({"namespaceSelector": _namespace(network.ingress_namespace)})
        sources += [{"ipBlock": {"cidr": cidr}} for cidr in network.ingress_cidrs]
        if sources:
            rules.append({"from": sources, "ports": [{"protocol": "TCP", "port": conventions.HTTP_PORT_NAME}]})
    return _policy(
        spec.name,
        config.namespace,
        {"podSelector": {"matchLabels": server_pod_selector(spec)}, "policyTypes": ["Ingress"], "ingress": rules},
    )
