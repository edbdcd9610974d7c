"""The `networkPolicy` block: who may reach the services, and where they may connect."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Literal

from components.config.fields import ConfigError, boolean, choice, describe, mapping, namespace_name, reject_unknown

Egress = Literal["open", "restricted"]
EGRESS: tuple[Egress, ...] = ("open", "restricted")


@dataclass(frozen=True)
class NetworkSpec:
    """Default-deny ingress in the stack namespace, and what is let in (and out)."""

    ingress_namespace: str | None  # the in-cluster ingress controller's namespace (nginx)
    ingress_cidrs: tuple[str, ...]  # load balancers outside the cluster (ALB in IP mode): the VPC
    egress: Egress  # open: pods connect anywhere; restricted: DNS, the namespace, tracing, CIDRs
    egress_cidrs: tuple[str, ...]  # with restricted: the AWS endpoints and anything else on 443


_KEYS = ("enabled", "ingressNamespace", "ingressCidrs", "egress", "egressCidrs")


def parse_network(raw: Any) -> NetworkSpec | None:
    """Validate `networkPolicy` (on unless `enabled: false`); None when it is off."""
    block = mapping(raw if raw is not None else {}, "networkPolicy")
    reject_unknown(block, _KEYS, "networkPolicy")
    if not boolean(block.get("enabled", True), "networkPolicy.enabled"):
        return None
    namespace = block.get("ingressNamespace")
    egress = choice(block.get("egress", "open"), "networkPolicy.egress", EGRESS)
    egress_cidrs = _cidrs(block.get("egressCidrs", []), "networkPolicy.egressCidrs")
    if egress_cidrs and egress == "open":
        raise ConfigError("networkPolicy.egressCidrs", "only with egress: restricted (open egress allows everything)")
    return NetworkSpec(
        ingress_namespace=namespace_name(namespace, "networkPolicy.ingressNamespace") if namespace else None,
        ingress_cidrs=_cidrs(block.get("ingressCidrs", []), "networkPolicy.ingressCidrs"),
        egress=egress,
        egress_cidrs=egress_cidrs,
    )


# The broadest range one entry may name (a /8 of IPv4, a /32 of IPv6: a whole RIR allocation),
# and so the most addresses a list may add up to: 0.0.0.0/1 plus 128.0.0.0/1 is the internet.
_WIDEST_PREFIX = {4: 8, 6: 32}


def _cidrs(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(key, f"expected a list of CIDRs, got {describe(value)}")
    cidrs = []
    total = {4: 0, 6: 0}
    for index, item in enumerate(value):
        try:
            network = ipaddress.ip_network(str(item), strict=True)
        except ValueError:
            raise ConfigError(f"{key}[{index}]", f"{item!r} is not a CIDR (10.0.0.0/16)") from None
        widest = _WIDEST_PREFIX[network.version]
        if network.prefixlen < widest:
            raise ConfigError(
                f"{key}[{index}]", f"{item} is broader than a /{widest}; name the networks (the VPC, the endpoints)"
            )
        total[network.version] += network.num_addresses
        if total[network.version] > 2 ** (network.max_prefixlen - widest):
            raise ConfigError(
                f"{key}[{index}]", f"the list adds up to more addresses than one /{widest}; name the networks"
            )
        cidrs.append(str(network))
    return tuple(cidrs)
