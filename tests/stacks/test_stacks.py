"""Every stack file renders, and the blue/green invariants hold on each of them."""

from __future__ import annotations

import dataclasses
import json

import pytest

from components.conventions import other_color
from novactl.engine.render import Rendered, render_stack
from novactl.errors import ProgramRefusalError
from novactl.plan.compare import compare
from novactl.stack.files import platform_config
from novactl.validate.check import resources
from tests.conftest import NOVA_SERVICES, PROJECT_DIR, STACKS

SERVICE = "kubernetes:core/v1:Service"


def serving_changes(changes, service):
    """The changes to what serves traffic: all but the analysis Job, which a switch replaces
    (a new Job watches the colour that took the traffic) and which must be exactly that."""
    (analysis,) = [change for change in changes if change.name == f"{service}-analysis"]
    assert analysis.action == "replace", analysis
    return [change for change in changes if change is not analysis]


def assert_traced(manifests, service):
    """The stack under test runs with tracing on: the service's containers carry the OTel SDK
    environment, whose colour and version attributes must not widen a switch or a release."""
    for document in manifests:
        if document["kind"] == "Deployment" and document["metadata"]["name"].startswith(f"{service}-"):
            (container,) = document["spec"]["template"]["spec"]["containers"]
            assert "OTEL_RESOURCE_ATTRIBUTES" in {item["name"] for item in container["env"]}


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_declares_all_thirteen_services(rendered, stack):
    config = platform_config(rendered[stack].config)
    assert tuple(spec.name for spec in config.services) == NOVA_SERVICES
    active = {r.name for r in rendered[stack].recording.by_type(SERVICE)}
    assert set(NOVA_SERVICES) <= active


def test_staging_matches_the_roadmap(staging_config):
    assert staging_config.namespace == "nova-staging"
    for spec in staging_config.services:
        assert (spec.port, spec.replicas, spec.health_path) == (8080, 2, "/health")
        assert (spec.liveness.initial_delay_seconds, spec.liveness.period_seconds) == (30, 10)
        assert (spec.readiness.initial_delay_seconds, spec.readiness.period_seconds) == (5, 5)
        assert spec.tags[spec.active]


def test_production_is_its_own_namespace_and_larger(rendered, staging_config):
    production = platform_config(rendered["production"].config)
    assert production.namespace == "nova-production"
    for spec in production.services:
        staging_spec = staging_config.service(spec.name)
        assert spec.replicas > staging_spec.replicas or spec.autoscaling is not None


def test_dev_is_local_with_one_replica_and_no_aws(rendered):
    dev = platform_config(rendered["dev"].config)
    assert dev.cloud == "local"
    assert {spec.replicas for spec in dev.services} == {1}
    assert not [r for r in rendered["dev"].recording.resources if r.type.startswith("aws:")]


@pytest.mark.parametrize("stack", STACKS)
def test_every_deployed_color_has_its_objects_and_idle_colors_have_none(rendered, stack):
    config = platform_config(rendered[stack].config)
    objects = {(m["kind"], m["metadata"]["name"]) for m in rendered[stack].manifests()}
    for spec in config.services:
        for color in ("blue", "green"):
            expected = {
                ("Deployment", f"{spec.name}-{color}"),
                ("Service", f"{spec.name}-{color}"),
                ("PodDisruptionBudget", f"{spec.name}-{color}"),
            }
            if color in spec.tags:
                assert expected <= objects
            else:
                assert not expected & objects


@pytest.mark.parametrize("stack", STACKS)
def test_a_flip_changes_exactly_the_active_services_selector(rendered, stack):
    config = platform_config(rendered[stack].config)
    spec = config.services[-1]
    target = other_color(spec.active)
    # Make sure the target colour is deployed first (dev runs a single colour).
    released = [f"services.{spec.name}.tags.{target}={spec.tags.get(target, '9.9.9')}"]
    before = render_stack(PROJECT_DIR, stack, placeholder_secrets=True, overrides=released)
    after = render_stack(
        PROJECT_DIR, stack, placeholder_secrets=True, overrides=[*released, f"services.{spec.name}.active={target}"]
    )
    assert config.tracing is not None
    assert_traced(before.manifests(), spec.name)
    changes = serving_changes(compare(before, after), spec.name)
    assert [change.describe() for change in changes] == [f"update Service {config.namespace}/{spec.name}"]
    (field,) = changes[0].fields
    assert (field.path, field.before, field.after) == ("spec.selector.nova.social/color", spec.active, target)


@pytest.mark.parametrize("stack", STACKS)
def test_a_release_changes_only_the_inactive_colors_objects(rendered, stack):
    config = platform_config(rendered[stack].config)
    spec = config.services[0]
    inactive = other_color(spec.active)
    after = render_stack(
        PROJECT_DIR, stack, placeholder_secrets=True, overrides=[f"services.{spec.name}.tags.{inactive}=9.9.9"]
    )
    assert config.tracing is not None
    assert_traced(after.manifests(), spec.name)
    changes = compare(rendered[stack], after)
    assert changes
    if not spec.analysed:
        # The service's second colour: from now on traffic can move, so the analysis Job
        # appears (watching the live colour); it was never there on the first deployment.
        (created,) = [change for change in changes if change.name == f"{spec.name}-analysis"]
        assert created.action == "create"
        changes = [change for change in changes if change is not created]
    prefix = f"{spec.name}-{inactive}"
    for change in changes:
        assert change.name.startswith(prefix), change.describe()
    kinds = {change.kind for change in changes}
    assert {"Deployment", "Job"} <= kinds


@pytest.mark.parametrize("stack", STACKS)
def test_stack_outputs_name_the_namespace_and_active_colors(rendered, stack):
    document = json.loads(json.dumps(rendered[stack].recording.outputs, default=str))
    (outputs,) = [value for urn, value in document.items() if "::pulumi:pulumi:Stack::" in urn]
    config = platform_config(rendered[stack].config)
    assert outputs["namespace"] == config.namespace
    assert outputs["activeColors"] == {spec.name: spec.active for spec in config.services}


def test_stack_json_masks_secrets_everywhere(tmp_path):
    value = "postgres://feed:s3cret-in-the-clear@db.internal/feed"
    result = render_stack(
        PROJECT_DIR,
        "dev",
        placeholder_secrets=True,
        overrides=["services.feed-service.secretEnv.DATABASE_URL=feedDatabaseUrl"],
        secrets=[f"feedDatabaseUrl={value}"],
    ).write(tmp_path)
    texts = [result.stack_json.read_text(), *(path.read_text() for path in result.manifests)]
    assert not [text for text in texts if "s3cret-in-the-clear" in text]
    (secret,) = [path for path in result.manifests if path.name == "secret.feed-service-env.yaml"]
    assert "[secret]" in secret.read_text()


def test_bad_config_stops_the_program_before_any_registration():
    asked: list[str] = []

    def watch(type_, name, inputs):
        asked.append(name)

    with pytest.raises(ProgramRefusalError, match=r"^Pulumi.staging.yaml: nova-platform:services.feed-service.port: "):
        render_stack(
            PROJECT_DIR, "staging", placeholder_secrets=True, overrides=["services.feed-service.port=0"], fail=watch
        )
    assert asked == []


def test_flipping_the_gateway_with_its_ingress_changes_only_its_selector(rendered):
    config = platform_config(rendered["staging"].config)
    gateway = config.service("graphql-gateway")
    assert gateway.ingress is not None
    assert gateway.env_from
    target = other_color(gateway.active)
    after = render_stack(
        PROJECT_DIR, "staging", placeholder_secrets=True, overrides=[f"services.graphql-gateway.active={target}"]
    )
    changes = serving_changes(compare(rendered["staging"], after), "graphql-gateway")
    assert [change.describe() for change in changes] == ["update Service nova-staging/graphql-gateway"]


def test_a_config_change_the_blue_green_way_ends_with_a_one_object_switch(rendered):
    # novactl release staging feed-service --env FEATURE_X=on writes the variable beside the
    # idle colour's tag (colorEnv); only that colour's objects change, then the switch is one.
    config = platform_config(rendered["staging"].config)
    spec = config.service("feed-service")
    idle = other_color(spec.active)
    released = [f"services.feed-service.colorEnv.{idle}.FEATURE_X=on"]
    after_release = render_stack(PROJECT_DIR, "staging", placeholder_secrets=True, overrides=released)
    changes = compare(rendered["staging"], after_release)
    assert {change.kind for change in changes} == {"Deployment", "Job"}
    assert all(change.name.startswith(f"feed-service-{idle}") for change in changes), changes
    switched = render_stack(
        PROJECT_DIR, "staging", placeholder_secrets=True, overrides=[*released, f"services.feed-service.active={idle}"]
    )
    (switch,) = serving_changes(compare(after_release, switched), "feed-service")
    assert switch.describe() == "update Service nova-staging/feed-service"


def _fields(change):
    return [field.path for field in change.fields]


@pytest.mark.parametrize("step", ["start", "promote", "abort"])
def test_each_canary_step_changes_only_the_selector_and_the_idle_colors_replicas(rendered, step):
    config = platform_config(rendered["staging"].config)
    spec = config.service("feed-service")
    idle = other_color(spec.active)
    canary = ["services.feed-service.canary.pods=1"]
    steps = {
        "start": ([], canary),
        "promote": (canary, [f"services.feed-service.active={idle}"]),
        "abort": (canary, []),
    }
    before_overrides, after_overrides = steps[step]
    before = render_stack(PROJECT_DIR, "staging", placeholder_secrets=True, overrides=before_overrides)
    after = render_stack(PROJECT_DIR, "staging", placeholder_secrets=True, overrides=after_overrides)
    changes = serving_changes(compare(before, after), "feed-service")
    described = {change.describe(): _fields(change) for change in changes}
    assert described == {
        f"update Deployment nova-staging/feed-service-{idle}": ["spec.replicas"],
        "update Service nova-staging/feed-service": [f"spec.selector.{'nova.social/color'}"],
    }


def test_during_a_canary_the_routing_service_selects_both_colors_by_name(rendered):
    after = render_stack(
        PROJECT_DIR, "staging", placeholder_secrets=True, overrides=["services.feed-service.canary.pods=1"]
    )
    (service,) = [m for m in after.manifests() if m["kind"] == "Service" and m["metadata"]["name"] == "feed-service"]
    assert service["spec"]["selector"] == {
        "app.kubernetes.io/name": "feed-service",
        "app.kubernetes.io/component": "server",
    }
    (job,) = [
        m
        for m in after.manifests()
        if m["kind"] == "Job" and m["metadata"]["name"].startswith("feed-service-analysis-")
    ]
    args = job["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--color") + 1] == "blue", "the analysis watches the canary colour"


def _selector(manifest):
    selector = manifest["spec"]["selector"]
    return selector if manifest["kind"] == "Service" else selector["matchLabels"]


def _selects(selector, labels):
    return all(labels.get(key) == value for key, value in selector.items())


@pytest.mark.parametrize(
    ("stack", "overrides"),
    [*((stack, []) for stack in STACKS), ("staging", ["services.feed-service.canary.pods=1"])],
    ids=[*STACKS, "staging-canary"],
)
def test_no_service_or_budget_selects_a_jobs_pods_and_each_selects_its_serving_pods(stack, overrides):
    # A budget over a Job's pods blocks every eviction of the service (the disruption controller
    # cannot scale a Job); a Service over them sends traffic to a smoke test or the analysis.
    manifests = render_stack(PROJECT_DIR, stack, placeholder_secrets=True, overrides=overrides).manifests()
    jobs = [m for m in manifests if m["kind"] == "Job"]
    deployments = [m for m in manifests if m["kind"] == "Deployment" and "nova.social/color" in m["metadata"]["labels"]]
    assert jobs
    assert deployments
    selecting = [m for m in manifests if m["kind"] in ("Service", "PodDisruptionBudget")]
    for item in selecting:
        for job in jobs:
            pod_labels = job["spec"]["template"]["metadata"]["labels"]
            assert not _selects(_selector(item), pod_labels), (
                f"{item['metadata']['name']} selects {job['metadata']['name']}"
            )
    for budget in [m for m in selecting if m["kind"] == "PodDisruptionBudget"]:
        (target,) = [d for d in deployments if _selects(_selector(budget), d["spec"]["template"]["metadata"]["labels"])]
        assert target["metadata"]["name"] == budget["metadata"]["name"]


def test_every_output_is_the_same_whatever_order_the_registrations_arrived_in(rendered, tmp_path):
    """Registrations arrive from a thread pool in an order that varies from run to run; CI once
    found `nova-slo-analytics-service` where `nova-alerts` was the first rule file."""
    arrived = rendered["dev"]
    shuffled = Rendered(
        arrived.config, dataclasses.replace(arrived.recording, resources=arrived.recording.resources[::-1])
    )
    first, second = arrived.write(tmp_path / "arrived"), shuffled.write(tmp_path / "reversed")
    assert [path.name for path in first.rule_files] == [path.name for path in second.rule_files]
    assert [path.name for path in first.manifests] == [path.name for path in second.manifests]
    assert first.stack_json.read_text() == second.stack_json.read_text()
    assert arrived.manifests() == shuffled.manifests()
    # check lists policy violations in the order the policies see the resources.
    assert resources(arrived.recording) == resources(shuffled.recording)
