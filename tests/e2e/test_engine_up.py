"""`pulumi up` under the real engine, against a control plane with controllers (`make e2e`):
kube-controller-manager, kube-scheduler and kwok, whose fake nodes run pods without a kubelet
(ready at once; Job pods complete). The e2e stack goes up; then a release, a switch, a canary
and its abort, each planned by the engine exactly as the verb itself printed its plan
(`--json`) and as `novactl diff` plans it, then applied; then the outputs, and destroy. The
tests run in this order, each from where the last left off.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import kubernetes
import pytest

from novactl.engine.render import Rendered
from novactl.plan.compare import compare
from tests.e2e.conftest import CONTEXT, apply, prepare_operator_cluster
from tests.e2e.control_plane import ADMIN_TOKEN, FAILING_TAG, binaries, controlling, running
from tests.e2e.engine import NAMESPACE, STACK, Engine
from tests.e2e.report import Report
from tests.kube import status_live
from tests.support import GIT_ENV, git, novactl

pytestmark = pytest.mark.e2e

SERVICE = "feed-service"
# The engine's step kinds that change something; a replacement also shows as create-replacement
# and delete-replaced steps of the same URN.
CHANGING = {"create", "update", "replace", "delete"}
ROUTING_TYPE = "kubernetes:core/v1:Service"
JOB = "kubernetes:batch/v1:Job"


@dataclass
class Live:
    engine: Engine
    admin: Any
    kubeconfig: Path
    report: Report

    def edit(self, *args: str) -> set[tuple[str, str]]:
        """Run an edit verb and commit its edit (the project is a git repository, so that
        `novactl diff --base HEAD~1` is that change); the plan it printed, as (URN, action) pairs."""
        outcome = novactl(*args, "--json", "--commit", cwd=self.engine.project, env=GIT_ENV)
        assert outcome.returncode == 0, f"novactl {' '.join(args)}: {outcome.stdout}{outcome.stderr}"
        return {(change["urn"], change["action"]) for change in json.loads(outcome.stdout)["changes"]}

    def engine_plan(self) -> set[tuple[str, str]]:
        steps = self.engine.preview_json()["steps"]
        return {(step["urn"], step["op"]) for step in steps if step["op"] in CHANGING}

    def planned(self, name: str, printed: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """The engine's plan of the last edit, reported beside what the verb printed."""
        plan = self.engine_plan()
        self.report.plan(name, plan, printed)
        return plan

    def up(self, name: str) -> None:
        with self.report.step(name):
            self.engine.up()

    def endpoints_colors(self) -> set[str]:
        """The colours with ready endpoints behind the routing Service, as `novactl status
        --live` reads them."""
        result = status_live(self.engine.project, self.kubeconfig, STACK, SERVICE, "--json")
        assert result.returncode == 0, result.stderr
        (service,) = json.loads(result.stdout)
        return set(service["endpoints"])


def urn_of(rendered: Rendered, type_: str, name: str) -> str:
    (urn,) = [r.urn for r in rendered.recording.resources if r.type == type_ and r.name == name]
    return urn


def offline_plan(before: Rendered, after: Rendered) -> set[tuple[str, str]]:
    return {(change.urn, change.action) for change in compare(before, after)}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, report: Report) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("engine-up")
    with running(folder / "control-plane") as plane, controlling(plane, folder / "controllers") as nodes:
        kubeconfig = plane.kubeconfig(folder / "kubeconfig", CONTEXT, ADMIN_TOKEN)
        admin = kubernetes.config.new_client_from_config(config_file=str(kubeconfig), context=CONTEXT)
        for node in nodes:
            apply(admin, node)
        prepare_operator_cluster(admin)
        engine = Engine.create(folder / "engine", kubeconfig, CONTEXT)
        report.versions.update(versions(engine))
        for command in (
            ["init", "--quiet", "--initial-branch=main"],
            ["add", "-A"],
            ["commit", "--quiet", "-m", "e2e"],
        ):
            git(engine.project, *command)
        with report.step("up"):
            engine.up()
        report.objects = objects(engine)
        yield Live(engine, admin, kubeconfig, report)


def versions(engine: Engine) -> dict[str, str]:
    """What ran: the CLI, the provider, the control plane, the Python SDKs."""
    return {
        "pulumi CLI": engine.pulumi("version").stdout.strip(),
        "pulumi-resource-kubernetes": engine.provider_version(),
        "control-plane": binaries().parent.name,
        **{f"{package} (Python)": version(package) for package in ("pulumi", "pulumi-kubernetes", "kubernetes")},
    }


def objects(engine: Engine) -> dict[str, int]:
    """The stack's resources in state after the first `pulumi up`, by type."""
    state = json.loads(engine.pulumi("stack", "export").stdout)
    return dict(sorted(Counter(resource["type"] for resource in state["deployment"]["resources"]).items()))


def differences(rendered: Any, stored: Any, path: str = "") -> list[str]:
    """Where the stored object lacks or changes what the render says; fields the server adds
    (defaults, status, metadata it manages) are left aside."""
    if isinstance(rendered, dict) and isinstance(stored, dict):
        return [
            difference
            for key, value in rendered.items()
            for difference in (
                differences(value, stored[key], f"{path}.{key}") if key in stored else [f"{path}.{key}: missing"]
            )
        ]
    if isinstance(rendered, list) and isinstance(stored, list) and len(rendered) == len(stored):
        return [
            difference
            for index, (value, kept) in enumerate(zip(rendered, stored, strict=True))
            for difference in differences(value, kept, f"{path}[{index}]")
        ]
    return [] if rendered == stored else [f"{path}: {rendered!r} != {stored!r}"]


def test_up_stores_every_rendered_object_as_rendered_and_every_color_serves(live: Live):
    dynamic = kubernetes.dynamic.DynamicClient(live.admin)
    mismatched = []
    manifests = live.engine.render().manifests()
    for manifest in manifests:
        resource = dynamic.resources.get(api_version=manifest["apiVersion"], kind=manifest["kind"])
        where = f"{manifest['kind']} {manifest['metadata']['name']}"
        try:
            stored = resource.get(name=manifest["metadata"]["name"], namespace=manifest["metadata"].get("namespace"))
        except kubernetes.dynamic.exceptions.NotFoundError:
            mismatched.append(f"{where}: missing")
            continue
        # A Secret's values are masked in the render, and the API server keeps stringData as data.
        rendered = {key: value for key, value in manifest.items() if key not in ("stringData", "data")}
        mismatched += [f"{where}{difference}" for difference in differences(rendered, stored.to_dict())]
    assert not mismatched, "\n".join(mismatched[:20])
    assert len(manifests) > 120
    apps: Any = kubernetes.client.AppsV1Api(live.admin)
    for deployment in apps.list_namespaced_deployment(NAMESPACE).items:
        assert deployment.status.available_replicas == deployment.spec.replicas, deployment.metadata.name
    assert live.endpoints_colors() == {"blue"}


SETTLE_SECONDS = 60


def settled(read: Any, ready: Any, what: str) -> Any:
    """`read()` once `ready(value)` holds; the controllers work asynchronously."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        value = read()
        if ready(value):
            return value
        assert time.monotonic() < deadline, f"{what} not within {SETTLE_SECONDS}s: {value}"
        time.sleep(1)


def test_every_budget_allows_a_disruption_and_a_serving_pod_can_be_evicted(live: Live):
    # A budget that also matched the smoke-test Job's pods left the disruption controller unable
    # to sync it ("jobs.batch does not implement the scale subresource"): disruptionsAllowed 0,
    # and every eviction refused with 429, so no node could be drained.
    policy: Any = kubernetes.client.PolicyV1Api(live.admin)
    core: Any = kubernetes.client.CoreV1Api(live.admin)

    def synced(budgets: Any) -> bool:
        return bool(budgets.items) and all(
            budget.status is not None
            and budget.status.observed_generation == budget.metadata.generation
            and any(condition.type == "DisruptionAllowed" for condition in budget.status.conditions or [])
            for budget in budgets.items
        )

    budgets = settled(lambda: policy.list_namespaced_pod_disruption_budget(NAMESPACE), synced, "budgets synced")
    for budget in budgets.items:
        (allowed,) = [c for c in budget.status.conditions if c.type == "DisruptionAllowed"]
        assert (allowed.status, allowed.reason) == ("True", "SufficientPods"), budget.metadata.name
        assert budget.status.disruptions_allowed == 1, budget.metadata.name
    serving = "app.kubernetes.io/name=feed-service,app.kubernetes.io/component=server,nova.social/color=blue"
    (pod,) = core.list_namespaced_pod(NAMESPACE, label_selector=serving).items
    eviction = kubernetes.client.V1Eviction(
        metadata=kubernetes.client.V1ObjectMeta(name=pod.metadata.name, namespace=NAMESPACE)
    )
    core.create_namespaced_pod_eviction(pod.metadata.name, NAMESPACE, eviction)  # a refusal raises (429)
    apps: Any = kubernetes.client.AppsV1Api(live.admin)
    settled(
        lambda: apps.read_namespaced_deployment(f"{SERVICE}-blue", NAMESPACE).status,
        lambda status: status.available_replicas == status.replicas == 1 and not status.unavailable_replicas,
        "feed-service-blue available again after the eviction",
    )
    settled(live.endpoints_colors, lambda colors: colors == {"blue"}, "blue serving again")


def test_a_release_and_a_switch_are_planned_by_the_engine_as_novactl_plans_them(live: Live):
    before = live.engine.render()
    printed = live.edit("release", STACK, SERVICE, "0.9.1-dev")
    released = live.engine.render()
    plan = live.planned("release", printed)
    assert plan == printed, "the engine plans what release printed"
    assert plan == offline_plan(before, released)
    # Only creates: the green colour and its gates; nothing of the live blue colour.
    assert {op for _, op in plan} == {"create"}
    assert not [urn for urn, _ in plan if urn.endswith(f"::{SERVICE}-blue")]
    live.up("release")
    assert live.endpoints_colors() == {"blue"}, "a release touches no live traffic"

    printed = live.edit("switch", STACK, SERVICE, "green")
    switched = live.engine.render()
    started = time.perf_counter()
    plan = live.planned("switch", printed)
    live.report.timings["pulumi_preview_seconds"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    diffed = novactl("diff", STACK, "--base", "HEAD~1", "--format", "json", cwd=live.engine.project)
    live.report.timings["novactl_diff_seconds"] = round(time.perf_counter() - started, 2)
    assert {(change["urn"], change["action"]) for change in json.loads(diffed.stdout)["changes"]} == plan
    assert plan == printed, "the engine plans what switch printed"
    assert plan == offline_plan(released, switched)
    # Exactly the routing Service's selector, and the analysis Job that watches the new colour.
    assert plan == {
        (urn_of(switched, ROUTING_TYPE, SERVICE), "update"),
        (urn_of(switched, JOB, f"{SERVICE}-analysis"), "replace"),
    }
    live.up("switch")
    assert live.endpoints_colors() == {"green"}


def test_a_canary_and_its_abort_are_planned_by_the_engine_as_novactl_plans_them(live: Live):
    """After the switch above: green is live, blue (0.9.0-dev) idle and smoke-tested."""
    before = live.engine.render()
    printed = live.edit("canary", STACK, SERVICE, "--pods", "1")
    canary = live.engine.render()
    assert live.planned("canary", printed) == printed == offline_plan(before, canary)
    live.up("canary")
    assert live.endpoints_colors() == {"blue", "green"}

    printed = live.edit("canary", STACK, SERVICE, "--abort")
    aborted = live.engine.render()
    assert live.planned("canary abort", printed) == printed == offline_plan(canary, aborted)
    live.up("canary abort")
    assert live.endpoints_colors() == {"green"}


def test_a_switch_whose_analysis_fails_is_rolled_back_and_the_rollback_waits_on_no_analysis(live: Live):
    """After the canary test: green (0.9.1-dev) live, blue (0.9.0-dev) idle. Blue gets a tag
    whose analysis fails (kwok fails its pods: control_plane.FAILING); the switch's `pulumi up`
    fails after the traffic moved; `novactl rollback --since` (the workflows' one rollback) puts
    it back, and its `pulumi up` succeeds although green's analysis fails too (both colours
    hurt): the rolled-back colour's analysis reports and is not awaited."""
    project = live.engine.project
    live.edit("release", STACK, SERVICE, FAILING_TAG)
    live.up("release of a bad tag")
    before_switch = git(project, "rev-parse", "HEAD")

    printed = live.edit("switch", STACK, SERVICE, "blue")
    assert live.planned("switch to a bad tag", printed) == printed
    started = time.perf_counter()
    failed = live.engine.pulumi("up", "--yes", "--skip-preview", check=False)
    seconds = round(time.perf_counter() - started, 2)
    live.report.steps.append(
        {"name": "switch to a bad tag (must fail)", "ok": failed.returncode != 0, "seconds": seconds}
    )
    assert failed.returncode != 0, "the analysis of the bad tag fails the switch's update"
    assert f"{SERVICE}-analysis" in failed.stdout + failed.stderr
    assert live.endpoints_colors() == {"blue"}, "the traffic had moved before the analysis"

    printed = live.edit("rollback", STACK, "--since", before_switch)
    assert live.planned("rollback", printed) == printed, "the engine plans what rollback printed"
    live.up("rollback")  # green's analysis fails as well; the update does not wait for it
    assert live.endpoints_colors() == {"green"}

    def green_analysis_failed(jobs: Any) -> bool:
        return any(
            job.metadata.labels.get("nova.social/color") == "green" and (job.status.failed or 0) > 0
            for job in jobs.items
        )

    settled(
        lambda: kubernetes.client.BatchV1Api(live.admin).list_namespaced_job(
            NAMESPACE, label_selector=f"app.kubernetes.io/name={SERVICE},app.kubernetes.io/component=analysis"
        ),
        green_analysis_failed,
        "the rolled-back colour's analysis Job ran, and failed, without failing the rollback",
    )


def test_the_stack_outputs_name_what_the_stack_file_says(live: Live):
    outputs = json.loads(live.engine.pulumi("stack", "output", "--json").stdout)
    platform = live.engine.render().platform
    assert outputs["activeColors"] == {spec.name: spec.active for spec in platform.services}
    assert outputs["activeColors"][SERVICE] == "green"
    assert outputs["namespace"] == NAMESPACE


def test_destroy_leaves_nothing_of_the_program_in_the_cluster(live: Live):
    with live.report.step("destroy"):
        live.engine.pulumi("destroy", "--yes", "--skip-preview")
    core: Any = kubernetes.client.CoreV1Api(live.admin)
    assert NAMESPACE not in {namespace.metadata.name for namespace in core.list_namespace().items}
    left = core.list_namespaced_secret("monitoring").items
    assert not [secret.metadata.name for secret in left if secret.metadata.name.startswith("alertmanager-nova")]
