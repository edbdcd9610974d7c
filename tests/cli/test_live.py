"""`novactl status --live` over API responses recorded in the shape the API server returns them
(tests/cli/responses): routing, endpoints, replicas, tags, the last Jobs, and drift."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from components.cluster import IDENTITY_RULE
from novactl.kube.live import live_rows, live_status
from novactl.stack.declared import declared_platform, only_service
from tests.conftest import PROJECT_DIR
from tests.http_stub import QuietHandler, serving
from tests.kube import status_live, write_kubeconfig

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


def test_an_applied_stack_shows_its_colors_and_jobs_and_no_drift(feed):
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


STAGING_UID = declared_platform(PROJECT_DIR, "staging").cluster_uid


class _RecordedApi(QuietHandler):
    """The Kubernetes API on loopback, answering the four reads of `--live` from the recording."""

    state: ClassVar[dict[str, Any]] = {}
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server names it
        self.paths.append(self.path)
        url = urllib.parse.urlsplit(self.path)
        routes = {
            "/api/v1/namespaces/kube-system": {
                "kind": "Namespace",
                "apiVersion": "v1",
                "metadata": {"name": "kube-system", "uid": self.state.get("uid", STAGING_UID)},
            },
            "/api/v1/namespaces/nova-staging/services/feed-service": self.state["service"],
            "/apis/apps/v1/namespaces/nova-staging/deployments": _list("DeploymentList", self.state["deployments"]),
            "/apis/discovery.k8s.io/v1/namespaces/nova-staging/endpointslices": _list(
                "EndpointSliceList", self.state["endpoint_slices"]
            ),
            "/apis/batch/v1/namespaces/nova-staging/jobs": _list("JobList", self.state["jobs"]),
        }
        if url.path in routes:
            self.send_json(routes[url.path])
        else:
            self.send_json({"kind": "Status", "code": 404}, 404)


def _list(kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": kind, "apiVersion": "v1", "metadata": {}, "items": items}


def run_live(project: Path, tmp_path: Path, server: str, context: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """`novactl status staging ... --live` with a kubeconfig whose one context reads `server`."""
    return status_live(
        project, write_kubeconfig(tmp_path / "kubeconfig", server, context, "recorded"), "staging", *extra
    )


def test_live_status_through_the_real_kubernetes_client_against_a_recorded_api(project_copy, tmp_path):
    _RecordedApi.state, _RecordedApi.paths = RECORDED["canary"], []
    with serving(_RecordedApi) as url:
        result = run_live(project_copy, tmp_path, url, "nova-staging", "feed-service")
    assert result.returncode == 1, result.stderr[-3000:]  # drift: the canary is not declared
    assert "Traceback" not in result.stderr
    assert "through context nova-staging" in result.stdout
    assert _RecordedApi.paths[0] == "/api/v1/namespaces/kube-system", "the cluster is checked first"
    row = next(line for line in result.stdout.splitlines() if line.startswith("feed-service"))
    assert "both" in row
    assert "2.5.0 1/1" in row
    assert "blue 33%, green 67%" in row
    assert "blue 2.5.0 failed" in row
    asked = [urllib.parse.unquote(path) for path in _RecordedApi.paths]
    assert (
        "/apis/apps/v1/namespaces/nova-staging/deployments?labelSelector=app.kubernetes.io/name=feed-service" in asked
    )
    assert (
        "/apis/discovery.k8s.io/v1/namespaces/nova-staging/endpointslices"
        "?labelSelector=kubernetes.io/service-name=feed-service"
    ) in asked


def test_another_cluster_is_refused_before_anything_of_the_stack_is_read(project_copy, tmp_path):
    other = "9d1f6e2a-0c4b-4f7e-8a3d-5b2c1e0f9a87"
    _RecordedApi.state, _RecordedApi.paths = {**RECORDED["canary"], "uid": other}, []
    with serving(_RecordedApi) as url:
        result = run_live(project_copy, tmp_path, url, "nova-staging", "feed-service")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"error: Pulumi.staging.yaml: nova-platform:clusterUid: stack staging belongs to cluster {STAGING_UID}, "
        f"but context nova-staging reaches cluster {other} at {url}; nothing was read\n"
    )
    assert _RecordedApi.paths == ["/api/v1/namespaces/kube-system"]


def test_an_unreachable_cluster_is_one_line_not_a_traceback(project_copy, tmp_path):
    result = run_live(project_copy, tmp_path, "http://127.0.0.1:9", "gone", "--context", "gone")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: --live: cannot read the cluster through context gone: ")


def test_the_documented_role_is_what_live_reads():
    """docs/blue-green.md shows the Role `--live` needs; it must be READ_RULES, no more, no less."""
    from novactl.kube.live import READ_RULES

    text = (PROJECT_DIR / "docs/blue-green.md").read_text()
    block = text.split("rules:  # novactl.kube.live.READ_RULES", 1)[1].split("```", 1)[0]
    assert yaml.safe_load("rules:" + block)["rules"] == [dict(rule) for rule in READ_RULES]
    identity = text.split("rules:  # components.cluster.IDENTITY_RULE", 1)[1].split("```", 1)[0]
    assert yaml.safe_load("rules:" + identity)["rules"] == [IDENTITY_RULE]
