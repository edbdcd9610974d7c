"""The NetworkPolicy evaluator against the semantics the Kubernetes documentation gives
(kubernetes.io/docs/concepts/services-networking/network-policies/)."""

from __future__ import annotations

from typing import Any

import pytest

from novactl.kube.netpol import Cluster, External, Pod, selects

DB = Pod("default", {"role": "db"}, ports={"redis": 6379})
FRONTEND = Pod("default", {"role": "frontend"})


def policy(spec: dict[str, Any], namespace: str = "default", name: str = "p") -> dict[str, Any]:
    return {"kind": "NetworkPolicy", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


# The documentation's own example, "test-network-policy".
DOCS_EXAMPLE = policy(
    {
        "podSelector": {"matchLabels": {"role": "db"}},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            {
                "from": [
                    {"ipBlock": {"cidr": "172.17.0.0/16", "except": ["172.17.1.0/24"]}},
                    {"namespaceSelector": {"matchLabels": {"project": "myproject"}}},
                    {"podSelector": {"matchLabels": {"role": "frontend"}}},
                ],
                "ports": [{"protocol": "TCP", "port": 6379}],
            }
        ],
        "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/24"}}], "ports": [{"protocol": "TCP", "port": 5978}]}],
    }
)


def test_a_pod_no_policy_selects_accepts_everything():
    assert Cluster([]).allows(Pod("other"), DB, 6379)


def test_default_deny_then_allow_all_ingress():
    deny = policy({"podSelector": {}, "policyTypes": ["Ingress"]})
    assert not Cluster([deny]).allows(FRONTEND, DB, 6379)
    allow_all = policy({"podSelector": {}, "ingress": [{}], "policyTypes": ["Ingress"]}, name="allow")
    assert Cluster([deny, allow_all]).allows(FRONTEND, DB, 6379), "policies add up; none subtracts"


def test_the_documentation_example():
    cluster = Cluster([DOCS_EXAMPLE], {"myproject": {"project": "myproject"}})
    assert cluster.allows(FRONTEND, DB, 6379)
    assert not cluster.allows(FRONTEND, DB, 6380), "only the listed port"
    assert cluster.allows(Pod("myproject", {"anything": "x"}), DB, 6379), "every pod of a selected namespace"
    assert not cluster.allows(Pod("elsewhere", {"role": "frontend"}), DB, 6379), "a podSelector alone is local"
    assert cluster.allows(External("172.17.0.5"), DB, 6379)
    assert not cluster.allows(External("172.17.1.5"), DB, 6379), "except carves out of the block"
    assert cluster.allows(DB, External("10.0.0.7"), 5978)
    assert not cluster.allows(DB, External("10.0.1.7"), 5978), "db is isolated for egress"
    assert not cluster.allows(DB, FRONTEND, 80), "egress to pods is not in the list either"


@pytest.mark.parametrize(
    ("peers", "alice_client", "alice_other", "bob_client"),
    [
        # One element with both selectors: clients in alice's namespaces (AND).
        (
            [
                {
                    "namespaceSelector": {"matchLabels": {"user": "alice"}},
                    "podSelector": {"matchLabels": {"role": "client"}},
                }
            ],
            True,
            False,
            False,
        ),
        # Two elements: any pod in alice's namespaces, or clients in the policy's own (OR).
        (
            [
                {"namespaceSelector": {"matchLabels": {"user": "alice"}}},
                {"podSelector": {"matchLabels": {"role": "client"}}},
            ],
            True,
            True,
            False,
        ),
    ],
)
def test_and_versus_or_of_selectors(peers, alice_client, alice_other, bob_client):
    cluster = Cluster(
        [policy({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": peers}]})],
        {"alice-ns": {"user": "alice"}, "bob-ns": {"user": "bob"}},
    )
    assert cluster.allows(Pod("alice-ns", {"role": "client"}), DB, 6379) is alice_client
    assert cluster.allows(Pod("alice-ns", {"role": "other"}), DB, 6379) is alice_other
    assert cluster.allows(Pod("bob-ns", {"role": "client"}), DB, 6379) is bob_client


def test_named_ports_protocols_and_port_ranges():
    rule = {"ports": [{"port": "redis"}, {"protocol": "UDP", "port": 53}, {"port": 32000, "endPort": 32768}]}
    cluster = Cluster([policy({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [rule]})])
    assert cluster.allows(FRONTEND, DB, "redis")
    assert cluster.allows(FRONTEND, DB, 6379), "a named port means the destination's number"
    assert not cluster.allows(FRONTEND, DB, 53), "TCP is not UDP"
    assert cluster.allows(FRONTEND, DB, 53, "UDP")
    assert cluster.allows(FRONTEND, DB, 32500)
    assert not cluster.allows(FRONTEND, DB, 32769)


def test_a_connection_needs_the_sources_egress_and_the_destinations_ingress():
    no_egress = policy({"podSelector": {"matchLabels": {"role": "frontend"}}, "policyTypes": ["Egress"]}, name="e")
    assert not Cluster([no_egress]).allows(FRONTEND, DB, 6379)
    assert Cluster([no_egress]).allows(DB, FRONTEND, 80), "db itself is not isolated"


def test_selector_expressions():
    labels = {"tier": "web", "env": "prod"}
    assert selects({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "api"]}]}, labels)
    assert not selects({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}, labels)
    assert selects({"matchExpressions": [{"key": "env", "operator": "Exists"}]}, labels)
    assert not selects({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}, labels)
    assert selects({}, labels), "an empty selector selects everything"


@pytest.mark.parametrize("egress", [[], None])
def test_without_policy_types_an_empty_or_null_egress_isolates_no_egress(egress):
    # SetDefaults_NetworkPolicy adds Egress only when spec.egress has a rule.
    quiet = policy({"podSelector": {"matchLabels": {"role": "frontend"}}, "egress": egress})
    assert Cluster([quiet]).allows(FRONTEND, External("192.0.2.10"), 443)
    assert not Cluster([quiet]).allows(DB, FRONTEND, 80), "it still isolates ingress"
    with_rule = policy({"podSelector": {"matchLabels": {"role": "frontend"}}, "egress": [{"ports": [{"port": 53}]}]})
    assert not Cluster([with_rule]).allows(FRONTEND, External("192.0.2.10"), 443)
    assert Cluster([with_rule]).allows(FRONTEND, External("192.0.2.10"), 53)


@pytest.mark.parametrize("peer", [{"namespaceSelector": None}, {"namespaceSelector": None, "podSelector": None}])
def test_a_null_selector_means_the_same_as_an_omitted_one(peer):
    only_own = policy({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [peer]}]})
    assert Cluster([only_own]).allows(FRONTEND, DB, 6379), "own namespace, as if omitted"
    assert not Cluster([only_own]).allows(Pod("elsewhere"), DB, 6379), "null is not 'every namespace'"
