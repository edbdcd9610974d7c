"""`novactl status --live` over API responses recorded in the shape the API server returns them
(tests/cli/responses): routing, endpoints, replicas, tags, the last Jobs, and drift."""

from __future__ import annotations

import json
from typing import Any

import pytest

from novactl.bluegreen import declared_platform, only_service
from novactl.live import live_rows, live_status
from tests.conftest import PROJECT_DIR

RECORDED = json.loads((PROJECT_DIR / "tests/cli/responses/live-feed-service.json").read_text())


class Replay:
    """A ClusterReader answering from one recorded state."""

    def __init__(self, state: dict[str, Any]):
        self.state = state
        self.asked: list[str] = []

    def service(self, namespace: str, name: str) -> dict[str, Any] | None:
        self.asked.append(f"service {namespace}/{name}")
        found: dict[str, Any] | None = self.state["service"]
        return found

    def deployments(self, namespace: str, selector: str) -> list[dict[str, Any]]:
        self.asked.append(f"deployments {namespace} {selector}")
        return list(self.state["deployments"])

    def endpoint_slices(self, namespace: str, service: str) -> list[dict[str, Any]]:
        return list(self.state["endpoint_slices"])

    def jobs(self, namespace: str, selector: str) -> list[dict[str, Any]]:
        return list(self.state["jobs"])


@pytest.fixture(scope="module")
def feed():
    return only_service(declared_platform(PROJECT_DIR, "staging"), "feed-service")


def test_an_applied_stack_shows_its_colours_and_jobs_and_no_drift(feed):
    reader = Replay(RECORDED["applied"])
    (live,) = live_status(feed, reader)
    assert live.selects == "green"
    assert live.endpoints == {"green": 2}
    assert {color: (c.tag, c.ready, c.desired) for color, c in live.colours.items()} == {
        "blue": ("2.3.0", 2, 2),
        "green": ("2.4.0", 2, 2),
    }
    assert live.last_smoke == "green succeeded"
    assert live.last_analysis == "green 2.4.0 succeeded"
    assert live.drift == []
    assert reader.asked == [
        "service nova-staging/feed-service",
        "deployments nova-staging app.kubernetes.io/name=feed-service",
    ]
    _header, row = live_rows([live])
    assert row[:4] == ["feed-service", "green", "2.3.0 2/2", "2.4.0 2/2"]
    assert row[-1] == "none"


def test_a_canary_in_the_cluster_that_the_stack_file_does_not_declare_is_drift(feed):
    (live,) = live_status(feed, Replay(RECORDED["canary"]))
    assert live.selects == "both"
    assert live.endpoints == {"green": 2, "blue": 1}, "a pod that is not ready takes no traffic"
    assert live.canary_share == "blue 33%, green 67%"
    assert live.last_analysis == "blue 2.5.0 failed"
    assert "routes to both, the stack file says green (a switch not applied yet?)" in live.drift
    assert "blue runs 2.5.0, the stack file says 2.3.0" in live.drift
