"""BlueGreenService under the mock engine: the graph it registers, and how traffic is gated."""

from __future__ import annotations

import pytest

from components.bluegreen import BlueGreenArgs, BlueGreenService
from components.config.stack import parse_platform_config
from novactl.engine.program import Recording, record
from novactl.errors import RegistrationError
from novactl.stack.files import StackConfig
from tests.conftest import minimal_raw_config

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
JOB = "kubernetes:batch/v1:Job"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"


def run(spec, fail=None) -> Recording:
    def program() -> None:
        BlueGreenService(
            spec.name,
            BlueGreenArgs(
                spec=spec,
                config=parse_platform_config(minimal_raw_config(), "test"),
                image_repository="registry.example.com/nova/feed-service",
            ),
        )

    return record(program, StackConfig(project="nova-platform", stack="test", values={}), fail)


def names(recording: Recording, type_: str) -> list[str]:
    return sorted(resource.name for resource in recording.by_type(type_))


def one(recording: Recording, type_: str, name: str):
    (resource,) = [r for r in recording.by_type(type_) if r.name == name]
    return resource


def test_both_tagged_colors_and_the_active_service_are_registered(make_spec):
    recording = run(make_spec())
    assert names(recording, DEPLOYMENT) == ["feed-service-blue", "feed-service-green"]
    assert names(recording, SERVICE) == ["feed-service", "feed-service-blue", "feed-service-green"]
    assert names(recording, PDB) == ["feed-service-blue", "feed-service-green"]
    assert names(recording, JOB) == ["feed-service-analysis", "feed-service-blue-smoke", "feed-service-green-smoke"]
    assert names(recording, HPA) == []
    (component,) = recording.by_type("nova:platform:BlueGreenService")
    assert {r.parent for r in recording.resources if r.custom} == {component.urn}


def test_each_color_runs_its_tag_from_the_repository(make_spec):
    recording = run(make_spec())
    images = {
        name: one(recording, DEPLOYMENT, name).inputs["spec"]["template"]["spec"]["containers"][0]["image"]
        for name in ("feed-service-blue", "feed-service-green")
    }
    assert images == {
        "feed-service-blue": "registry.example.com/nova/feed-service:1.0.0",
        "feed-service-green": "registry.example.com/nova/feed-service:1.1.0",
    }


def test_a_color_without_a_tag_registers_nothing(make_spec):
    recording = run(make_spec(tags={"blue": "1.0.0"}))
    assert names(recording, DEPLOYMENT) == ["feed-service-blue"]
    # A first deployment: nothing to switch from, so no analysis Job (docs/blue-green.md).
    assert names(recording, JOB) == ["feed-service-blue-smoke"]
    assert names(recording, SERVICE) == ["feed-service", "feed-service-blue"]


def test_active_service_waits_for_the_active_colors_rollout_and_smoke_test(make_spec):
    recording = run(make_spec(active="green"))
    active = one(recording, SERVICE, "feed-service")
    assert set(active.options["dependsOn"]) == {
        one(recording, DEPLOYMENT, "feed-service-green").urn,
        one(recording, JOB, "feed-service-green-smoke").urn,
    }
    assert active.inputs["spec"]["selector"]["nova.social/color"] == "green"


def test_smoke_test_runs_after_its_colors_deployment_and_service(make_spec):
    recording = run(make_spec())
    job = one(recording, JOB, "feed-service-green-smoke")
    assert set(job.options["dependsOn"]) == {
        one(recording, DEPLOYMENT, "feed-service-green").urn,
        one(recording, SERVICE, "feed-service-green").urn,
    }


@pytest.mark.parametrize(
    ("failing_type", "failing_name", "reason"),
    [
        (DEPLOYMENT, "feed-service-green", "rollout failed: 0 of 2 replicas available"),
        (JOB, "feed-service-green-smoke", "Job failed: BackoffLimitExceeded"),
    ],
)
def test_a_failed_rollout_or_smoke_test_never_moves_traffic(make_spec, failing_type, failing_name, reason):
    registered: list[tuple[str, str, dict]] = []

    def fail(type_, name, inputs):
        registered.append((type_, name, inputs))
        return reason if (type_, name) == (failing_type, failing_name) else None

    with pytest.raises(RegistrationError, match=reason):
        run(make_spec(active="green"), fail)
    # The engine was asked for the failing resource, and never for the active Service.
    assert (failing_type, failing_name) in [(t, n) for t, n, _ in registered]
    assert not [inputs for t, n, inputs in registered if (t, n) == (SERVICE, "feed-service")]


def test_autoscaling_registers_an_hpa_per_running_color(make_spec):
    recording = run(make_spec(autoscaling={"min": 2, "max": 5, "targetCPU": 70}))
    assert names(recording, HPA) == ["feed-service-blue", "feed-service-green"]
    assert all("replicas" not in d.inputs["spec"] for d in recording.by_type(DEPLOYMENT))


def test_a_color_scaled_to_zero_has_no_autoscaler_and_no_smoke_test(make_spec):
    recording = run(make_spec(idle="scale-to-zero", autoscaling={"min": 2, "max": 5, "targetCPU": 70}))
    assert names(recording, HPA) == ["feed-service-blue"]
    assert names(recording, JOB) == ["feed-service-analysis", "feed-service-blue-smoke"]
    assert one(recording, DEPLOYMENT, "feed-service-green").inputs["spec"]["replicas"] == 0


def test_component_outputs_name_the_active_color_and_tags(make_spec):
    recording = run(make_spec(active="green"))
    (component,) = recording.by_type("nova:platform:BlueGreenService")
    outputs = recording.outputs[component.urn]
    assert outputs["activeColor"] == "green"
    assert outputs["activeTag"] == "1.1.0"
    assert outputs["tags"] == {"blue": "1.0.0", "green": "1.1.0"}
    assert outputs["activeServiceId"] == "nova-test/feed-service"
