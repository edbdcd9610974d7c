"""The editing verbs render only the services they edit (novactl/engine/scoped.py). These tests prove,
on every stack, that the plan they print is exactly the plan of two full renders of the stack,
the one `novactl diff` makes: the same resources, by the same URNs, with the same fields."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from components.config.services import ServiceSpec
from components.conventions import other_color
from novactl.engine.render import Rendered, render_stack
from novactl.engine.scoped import render_services
from novactl.plan.compare import compare
from novactl.plan.stack_edit import EditResult, StackEdit, edited_services
from novactl.stack.declared import declared_platform
from novactl.stack.edit import StackFileEditor
from novactl.stack.files import SERVICES_KEY
from novactl.verbs.canary import canary
from novactl.verbs.release import release
from novactl.verbs.switch import switch
from tests.conftest import STACKS


def _releasable(spec: ServiceSpec) -> bool:
    return spec.idle != "scale-to-zero" and spec.canary_pods is None


Step = tuple[str, str, Callable[[StackEdit], EditResult]]  # verb, service, the edit


def _steps(project: Path, stack: str) -> list[Step]:
    """A release, a release of config, a canary and the switch that completes it. The first
    service picked has IAM statements where the stack has one, so its role is covered too."""
    services = [spec for spec in declared_platform(project, stack).services if _releasable(spec)]
    services.sort(key=lambda spec: (not spec.aws_statements, spec.autoscaling is not None))
    first, second = services[0], services[1]
    idle = other_color(first.active)
    steps: list[Step] = [
        ("release", first.name, lambda edit: release(edit, first.name, "9.9.9")),
        ("release --env", second.name, lambda edit: release(edit, second.name, None, env={"FEATURE_X": "on"})),
    ]
    if first.autoscaling is None:  # an autoscaled service has no canary (the config refuses one)
        steps.append(("canary", first.name, lambda edit: canary(edit, first.name, pods=1)))
    steps.append(("switch", first.name, lambda edit: switch(edit, [first.name], idle)))
    return steps


@pytest.mark.parametrize("stack", STACKS)
def test_each_edit_plans_what_two_full_renders_plan(stack: str, rendered: dict[str, Rendered], project_copy: Path):
    before = rendered[stack]
    for verb, service, step in _steps(project_copy, stack):
        result = step(StackEdit(project_copy, stack))
        after = render_stack(project_copy, stack, placeholder_secrets=True)
        expected = compare(before, after)
        assert expected, f"{verb} on {stack} changed nothing, so it proves nothing"
        assert result.changes == expected, f"{verb} on {stack}"
        # A created resource's change names a few fields only: the resources must agree too.
        full = {resource.urn: resource.inputs for resource in after.recording.resources}
        alone = render_services(project_copy, stack, [service]).recording.resources
        assert alone
        for resource in alone:
            assert resource.inputs == full[resource.urn], f"{verb} on {stack}: {resource.urn}"
        before = after


def test_an_edit_beyond_one_services_settings_renders_the_whole_stack(project_copy: Path):
    editor = StackFileEditor(project_copy / "Pulumi.staging.yaml")
    editor.set_path(SERVICES_KEY, ["feed-service", "tags", "blue"], "9.9.9")
    assert edited_services(editor) == ["feed-service"]
    editor.set_path(SERVICES_KEY, ["search-service", "canary", "pods"], 1)
    assert edited_services(editor) == ["feed-service", "search-service"]
    editor.set_path("nova-platform:monitoring", ["retention"], "40d")
    assert edited_services(editor) is None
