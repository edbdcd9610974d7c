"""The `networkPolicy` block: who may reach the services, and where they may connect."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Literal

from components.config.fields import ConfigError, boolean, choice, describe, mapping, namespace_name, reject_unknown

# The instance metadata service, IPv4 and the Nitro IPv6 address: no pod may reach it.
INSTANCE_METADATA = ("169.254.169.254", "fd00:ec2::254")

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
    egress_cidrs = cidr_list(block.get("egressCidrs", []), "networkPolicy.egressCidrs")
    if egress_cidrs and egress == "open":
        raise ConfigError("networkPolicy.egressCidrs", "only with egress: restricted (open egress allows everything)")
    for index, cidr in enumerate(egress_cidrs):
        if any(ipaddress.ip_address(address) in ipaddress.ip_network(cidr) for address in INSTANCE_METADATA):
            raise ConfigError(
                f"networkPolicy.egressCidrs[{index}]",
                f"{cidr} holds the instance metadata address; pods reach AWS through IRSA, never the node's role",
            )
    return NetworkSpec(
        ingress_namespace=namespace_name(namespace, "networkPolicy.ingressNamespace") if namespace else None,
        ingress_cidrs=_load_balancer_subnets(block.get("ingressCidrs", []), "networkPolicy.ingressCidrs"),
        egress=egress,
        egress_cidrs=egress_cidrs,
    )


# The broadest range one entry may name (a /8 of IPv4, a /32 of IPv6: a whole RIR allocation),
# and so the most addresses a list may add up to: 0.0.0.0/1 plus 128.0.0.0/1 is the internet.
_WIDEST_PREFIX = {4: 8, 6: 32}


def cidr_list(value: Any, key: str) -> tuple[str, ...]:
    """A list of CIDRs, none broader than a /8 (IPv6: /32), together no more than one."""
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


# A load balancer's subnet, not a VPC: the pods live in the VPC too, and a VPC-wide rule would
# let any pod in through the way meant for the load balancer.
_WIDEST_SUBNET = {4: 20, 6: 56}


def _load_balancer_subnets(value: Any, key: str) -> tuple[str, ...]:
    cidrs = cidr_list(value, key)
    for index, cidr in enumerate(cidrs):
        network = ipaddress.ip_network(cidr)
        widest = _WIDEST_SUBNET[network.version]
        if network.prefixlen < widest:
            raise ConfigError(
                f"{key}[{index}]",
                f"{cidr} is broader than a /{widest}: name the load balancer's subnets, not the VPC the pods live in",
            )
    return cidrs
