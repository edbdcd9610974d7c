"""`novactl reach`: which policy lets a connection through or stops it, on the staging render."""

from __future__ import annotations

import json

from tests.support import novactl


def test_a_call_between_services_names_the_policies_that_allow_it():
    result = novactl("reach", "staging", "graphql-gateway", "feed-service:http")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ALLOWED graphql-gateway-blue -> feed-service-green:8080/TCP")
    assert "ingress: allowed by feed-service" in result.stdout


def test_a_denied_connection_exits_1_and_names_what_isolates_the_pod():
    result = novactl("reach", "staging", "203.0.113.9", "graphql-gateway:8080")
    assert result.returncode == 1
    assert "DENIED  203.0.113.9 -> graphql-gateway-blue:8080/TCP" in result.stdout
    assert "isolated by default-deny, graphql-gateway, and no rule of theirs admits it" in result.stdout


def test_prometheus_by_its_labels_reaches_a_service_and_json_says_each_side():
    result = novactl("reach", "staging", "monitoring/app.kubernetes.io/name=prometheus", "feed-service:http", "--json")
    assert result.returncode == 0, result.stderr
    (connection,) = json.loads(result.stdout)
    assert connection["allowed"] is True
    assert connection["ingress"] == {
        "allowed": True,
        "isolatedBy": ["default-deny", "feed-service"],
        "admittedBy": "feed-service",
    }


def test_a_name_the_render_does_not_hold_is_a_usage_error():
    result = novactl("reach", "staging", "graphql-gateway", "feed-servce:8080")
    assert result.returncode == 2
    assert result.stderr == (
        "error: feed-servce: no Service or workload 'feed-servce' in namespace nova-staging of the render; "
        "did you mean 'feed-service'?\n"
    )
    assert novactl("reach", "staging", "graphql-gateway", "feed-service").returncode == 2
