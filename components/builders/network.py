"""NetworkPolicies: the stack namespace and every namespace of the platform's pieces deny every
ingress by default, then let in exactly what each serves (networking.k8s.io/v1; semantics in
novactl/kube/netpol.py). On AWS stacks no pod reaches the instance metadata service.

- the namespace's own pods reach a service's ports (service to service, smoke tests);
- Prometheus, from the monitoring namespace, reaches the port it scrapes;
- the ingress controller (its namespace, or the load balancer's CIDRs) reaches a service that
  has an ingress, on its http port.
Egress stays open unless `networkPolicy.egress: restricted` (then: DNS, the namespace, Prometheus
for the analysis Jobs, the tracing gateway and the listed CIDRs).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from components import conventions
from components.builders import Manifest
from components.builders.bluegreen import serving_selector
from components.builders.tracing import OTLP_GRPC_PORT, OTLP_HTTP_PORT
from components.config.network import INSTANCE_METADATA, NetworkSpec
from components.config.services import ServiceSpec
from components.config.stack import PlatformConfig

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
"""The label Kubernetes puts on every namespace, holding its name."""
PROMETHEUS_POD_LABELS = {"app.kubernetes.io/name": "prometheus"}
"""The label the Prometheus operator puts on the pods of every Prometheus it runs."""
DNS_POD_LABELS = {"k8s-app": "kube-dns"}  # CoreDNS on EKS and kind
DENY_POLICY = "default-deny"
EGRESS_POLICY = "restricted-egress"
METADATA_POLICY = "no-instance-metadata"
# The charts' own pod labels (app.kubernetes.io/name, the Helm convention each chart follows).
GRAFANA_POD_LABELS = {"app.kubernetes.io/name": "grafana"}
COLLECTOR_POD_LABELS = {"app.kubernetes.io/name": "opentelemetry-collector"}
LOKI_POD_LABELS = {"app.kubernetes.io/name": "loki"}
TEMPO_POD_LABELS = {"app.kubernetes.io/name": "tempo"}
ANALYSIS_POD_LABELS = {conventions.LABEL_COMPONENT: "analysis"}
TEMPO_QUERY_PORT = 3200
INFLUXDB_PORT = 8086
# kube-prometheus-stack's operator serves its admission webhook here; the API server calls it
# from outside the pod network (prometheusOperator.tls.internalPort).
OPERATOR_WEBHOOK_PORT = 10250
# The instance metadata service: with IRSA no pod needs it, and a compromised pod would
# otherwise take the node role's credentials from it.
INSTANCE_METADATA_CIDRS = tuple(str(ipaddress.ip_network(address)) for address in INSTANCE_METADATA)


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
        {"podSelector": {"matchLabels": serving_selector(spec)}, "policyTypes": ["Ingress"], "ingress": rules},
    )


def _from(namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"namespaceSelector": _namespace(namespace), "podSelector": {"matchLabels": labels}}


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def _allow(name: str, namespace: str, pods: dict[str, str], rules: list[dict[str, Any]]) -> Manifest:
    spec = {"podSelector": {"matchLabels": pods} if pods else {}, "policyTypes": ["Ingress"], "ingress": rules}
    return _policy(name, namespace, spec)


def _clients(config: PlatformConfig, piece: str, namespace: str) -> list[Manifest]:
    """What a piece serves outside its namespace, client by client."""
    grafana = _from(config.monitoring.namespace, GRAFANA_POD_LABELS)
    collector = [_from(config.tracing.namespace, COLLECTOR_POD_LABELS)] if config.tracing is not None else []
    if piece == "monitoring":
        # One port serves queries and the remote-write receiver: the analysis Jobs and the
        # collector only, so no other pod can write the series an analysis reads.
        readers = [_from(config.namespace, ANALYSIS_POD_LABELS), *collector]
        return [
            _allow(
                "prometheus-clients",
                namespace,
                PROMETHEUS_POD_LABELS,
                [{"from": readers, "ports": _tcp(conventions.PROMETHEUS_PORT)}],
            ),
            _allow("operator-webhook", namespace, {}, [{"ports": _tcp(OPERATOR_WEBHOOK_PORT)}]),
        ]
    if piece == "logging":
        return [_allow("loki-clients", namespace, LOKI_POD_LABELS, [{"from": [grafana, *collector]}])]
    if piece == "tracing":
        services = [{"namespaceSelector": _namespace(config.namespace)}]
        otlp = [{"from": services, "ports": _tcp(OTLP_GRPC_PORT, OTLP_HTTP_PORT)}]
        query = [{"from": [grafana], "ports": _tcp(TEMPO_QUERY_PORT)}]
        return [
            _allow("otlp-from-services", namespace, COLLECTOR_POD_LABELS, otlp),
            _allow("tempo-from-grafana", namespace, TEMPO_POD_LABELS, query),
        ]
    if piece == "performance" and config.performance is not None and config.performance.client_cidrs:
        clients = [{"ipBlock": {"cidr": cidr}} for cidr in config.performance.client_cidrs]
        return [_allow("influxdb-clients", namespace, {}, [{"from": clients, "ports": _tcp(INFLUXDB_PORT)}])]
    return []  # gitops: nothing from outside (the UI by port-forward)


def piece_policies(config: PlatformConfig, piece: str, namespace: str) -> list[Manifest]:
    """A piece's namespace: deny every ingress, then let in its own pods, Prometheus (it scrapes
    every piece) and exactly the clients the piece serves elsewhere:

    - monitoring: Prometheus's API (queries and the remote-write receiver, one port) from the
      analysis Jobs and the collector only; the operator's webhook from the API server;
    - logging: Loki (push and query) from Grafana and the collector; Alloy is in the namespace;
    - tracing: the collector's OTLP ports from the stack namespace's services; Tempo's query
      port from Grafana;
    - gitops: nothing from outside (the UI by port-forward);
    - performance: InfluxDB from `performance.clientCidrs` (CI through an internal load balancer).

    On AWS stacks, no pod of the namespace reaches the instance metadata service.
    """
    policies = [
        _policy(DENY_POLICY, namespace, {"podSelector": {}, "policyTypes": ["Ingress"]}),
        _allow("same-namespace", namespace, {}, [{"from": [{"podSelector": {}}]}]),
    ]
    if piece != "monitoring":
        scrapes = [{"from": [_from(config.monitoring.namespace, PROMETHEUS_POD_LABELS)]}]
        policies.append(_allow("prometheus-scrapes", namespace, {}, scrapes))
    policies += _clients(config, piece, namespace)
    if config.aws is not None:
        policies.append(no_instance_metadata(namespace))
    return policies


def no_instance_metadata(namespace: str) -> Manifest:
    """Egress anywhere but the instance metadata service (the pods reach AWS through IRSA)."""
    everywhere: list[dict[str, Any]] = [{"namespaceSelector": {}}]
    everywhere += [
        {"ipBlock": {"cidr": cidr, "except": [blocked]}}
        for cidr, blocked in zip(("0.0.0.0/0", "::/0"), INSTANCE_METADATA_CIDRS, strict=True)
    ]
    spec = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": everywhere}]}
    return _policy(METADATA_POLICY, namespace, spec)
