"""Is a connection allowed? Kubernetes NetworkPolicy semantics over rendered policies.

The rules, as kubernetes.io/docs/concepts/services-networking/network-policies/ states them:
- a pod is isolated for ingress (egress) when some policy in its namespace selects it and
  lists Ingress (Egress) in policyTypes; a pod no policy isolates accepts (sends) everything;
- an isolated pod accepts a connection when any one policy that selects it has any one rule
  whose peers and ports both match (policies and rules are ORed, they never subtract);
- a peer with a podSelector alone means pods of the policy's own namespace; a namespaceSelector
  alone means every pod of the selected namespaces; both in one peer means those pods of those
  namespaces (AND); an ipBlock matches addresses in its CIDR and not in its `except`;
- an empty or missing `from`/`to` matches every peer; empty or missing `ports` every port;
- a rule port is a number or a named container port of the destination, with a protocol
  (TCP when left out) and an optional endPort;
- a connection needs both the source's egress and the destination's ingress.
Every namespace carries `kubernetes.io/metadata.name: <name>`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class Pod:
    """A pod as the policies see it: namespace, labels, address and named container ports."""

    namespace: str
    labels: Mapping[str, str] = field(default_factory=dict)
    ip: str = "10.0.0.1"
    ports: Mapping[str, int] = field(default_factory=dict)  # named container ports


@dataclass(frozen=True)
class External:
    """A source or destination outside the cluster's pods (a load balancer, an AWS endpoint)."""

    ip: str


Peer = Pod | External


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A label selector (matchLabels and matchExpressions); an empty one selects everything."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


class Cluster:
    """The rendered NetworkPolicies, and the labels of the namespaces they talk about."""

    def __init__(
        self, policies: Iterable[Mapping[str, Any]], namespaces: Mapping[str, Mapping[str, str]] | None = None
    ):
        self.policies = [policy for policy in policies if policy.get("kind") == "NetworkPolicy"]
        self.namespaces = {name: dict(labels) for name, labels in (namespaces or {}).items()}

    def namespace_labels(self, name: str) -> dict[str, str]:
        return {**self.namespaces.get(name, {}), NAME_LABEL: name}

    def _selecting(self, pod: Pod, direction: str) -> list[Mapping[str, Any]]:
        found = []
        for policy in self.policies:
            spec = policy.get("spec") or {}
            # Without policyTypes, Ingress always, and Egress only when spec.egress has a rule:
            # SetDefaults_NetworkPolicy (k8s.io/kubernetes pkg/apis/networking/v1/defaults.go)
            # tests len(spec.Egress) != 0, so `egress: []` and `egress: null` isolate nothing.
            types = spec.get("policyTypes") or (["Ingress", "Egress"] if spec.get("egress") else ["Ingress"])
            own = policy["metadata"]["namespace"] == pod.namespace
            if own and direction in types and selects(spec.get("podSelector"), pod.labels):
                found.append(policy)
        return found

    def _peer_matches(self, peer: Mapping[str, Any], other: Peer, policy_namespace: str) -> bool:
        # An explicit null is an omitted field: the API server decodes both to a nil pointer
        # (NetworkPolicyPeer's selectors are *metav1.LabelSelector, k8s.io/api networking/v1).
        if peer.get("ipBlock") is not None:
            block = peer["ipBlock"]
            address = ipaddress.ip_address(other.ip)
            if address not in ipaddress.ip_network(block["cidr"]):
                return False
            return not any(address in ipaddress.ip_network(cidr) for cidr in block.get("except") or [])
        if not isinstance(other, Pod):
            return False  # pod and namespace selectors select pods, never outside addresses
        if peer.get("namespaceSelector") is not None:
            if not selects(peer["namespaceSelector"], self.namespace_labels(other.namespace)):
                return False
        elif other.namespace != policy_namespace:
            return False
        return peer.get("podSelector") is None or selects(peer["podSelector"], other.labels)

    @staticmethod
    def _port_matches(rule_ports: list[Mapping[str, Any]] | None, port: int, protocol: str, target: Peer) -> bool:
        if not rule_ports:
            return True
        for entry in rule_ports:
            if entry.get("protocol", "TCP") != protocol:
                continue
            wanted = entry.get("port")
            if wanted is None:
                return True
            if isinstance(wanted, str):
                if isinstance(target, Pod) and target.ports.get(wanted) == port:
                    return True
                continue
            if wanted <= port <= entry.get("endPort", wanted):
                return True
        return False

    def _direction(self, pod: Pod, direction: str, other: Peer, port: int, protocol: str) -> Direction:
        """What `pod`'s policies say of letting `other` in (Ingress) or `pod` out to it (Egress)."""
        target = pod if direction == "Ingress" else other  # whose named ports the rules mean
        policies = self._selecting(pod, direction)
        isolating = tuple(str(policy["metadata"]["name"]) for policy in policies)
        rules_key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        for policy in policies:
            namespace = policy["metadata"]["namespace"]
            for rule in policy["spec"].get(rules_key) or []:
                peers = rule.get(peers_key)
                if peers and not any(self._peer_matches(peer, other, namespace) for peer in peers):
                    continue
                if self._port_matches(rule.get("ports"), port, protocol, target):
                    return Direction(isolating, str(policy["metadata"]["name"]))
        return Direction(isolating, None)

    def explain(self, source: Peer, destination: Peer, port: int | str, protocol: str = "TCP") -> Verdict:
        """What the policies say of `source` opening a connection to `destination` on `port` (a
        number, or a named port of the destination pod): each side, and which policy admits it."""
        if isinstance(port, str):
            if not isinstance(destination, Pod) or port not in destination.ports:
                raise ValueError(f"the destination has no port named {port!r}")
            port = destination.ports[port]
        egress = self._direction(source, "Egress", destination, port, protocol) if isinstance(source, Pod) else None
        ingress = (
            self._direction(destination, "Ingress", source, port, protocol) if isinstance(destination, Pod) else None
        )
        return Verdict(port, egress, ingress)

    def allows(self, source: Peer, destination: Peer, port: int | str, protocol: str = "TCP") -> bool:
        """Whether `source` may open a connection to `destination` on `port`."""
        return self.explain(source, destination, port, protocol).allowed


@dataclass(frozen=True)
class Direction:
    """One side of a connection: the policies that isolate the pod that way (none: it is not
    isolated, and everything passes), and the first of them with a rule that admits it."""

    isolated_by: tuple[str, ...]
    admitted_by: str | None

    @property
    def allowed(self) -> bool:
        return not self.isolated_by or self.admitted_by is not None

    def describe(self) -> str:
        if not self.isolated_by:
            return "not isolated"
        if self.admitted_by is not None:
            return f"allowed by {self.admitted_by}"
        return f"isolated by {', '.join(self.isolated_by)}, and no rule of theirs admits it"


@dataclass(frozen=True)
class Verdict:
    """A connection's egress (None: the source is not a pod) and ingress (None: the destination
    is not a pod); it is allowed when both allow it."""

    port: int
    egress: Direction | None
    ingress: Direction | None

    @property
    def allowed(self) -> bool:
        return all(side is None or side.allowed for side in (self.egress, self.ingress))
