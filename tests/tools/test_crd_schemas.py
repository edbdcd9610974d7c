"""Custom resources against their CRD schemas (tools/crd-check): every rendered CR is checked,
and planted mistakes of each kind are caught, unknown fields included."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from novactl.validate.crd_schemas import check_custom_resources, is_custom_resource
from tests.conftest import STACKS


def custom_resources(rendered, stack: str) -> dict[str, dict[str, Any]]:
    return {f"{m['kind']}/{m['metadata']['name']}": m for m in rendered[stack].manifests() if is_custom_resource(m)}


@pytest.mark.parametrize("stack", STACKS)
def test_every_rendered_custom_resource_is_schema_valid(rendered, stack):
    objects = custom_resources(rendered, stack)
    kinds = {manifest["kind"] for manifest in objects.values()}
    assert {"PrometheusRule", "PodMonitor"} <= kinds
    report = check_custom_resources(objects)
    assert report.problem is None
    assert report.invalid == {}
    assert report.unchecked == {}
    assert sorted(report.valid) == sorted(objects)


def test_built_in_kinds_are_not_custom_resources():
    for api_version in ("v1", "apps/v1", "rbac.authorization.k8s.io/v1", "networking.k8s.io/v1"):
        assert not is_custom_resource({"apiVersion": api_version})
    for api_version in ("monitoring.coreos.com/v1", "argoproj.io/v1alpha1", "example.com/v1"):
        assert is_custom_resource({"apiVersion": api_version})


def planted(rendered, kind: str, name: str, change) -> dict[str, dict[str, Any]]:
    objects = custom_resources(rendered, "staging")
    manifest = copy.deepcopy(objects[f"{kind}/{name}"])
    change(manifest)
    return {f"{kind}/{name}": manifest}


def _bad_duration(manifest):
    manifest["spec"]["groups"][0]["rules"][0]["for"] = "5 minutes"


def _missing_expr(manifest):
    del manifest["spec"]["groups"][0]["rules"][0]["expr"]


def _misspelled_expr(manifest):
    alert = manifest["spec"]["groups"][0]["rules"][0]
    alert["expresion"] = alert.pop("expr")


def _unknown_spec_field(manifest):
    manifest["spec"]["evaluationInterval"] = "1m"


def _retry_limit_as_text(manifest):
    manifest["spec"]["syncPolicy"]["retry"]["limit"] = "five"


def _no_destination(manifest):
    del manifest["spec"]["destination"]


def _automatic_for_automated(manifest):
    manifest["spec"]["syncPolicy"]["automatic"] = manifest["spec"]["syncPolicy"].pop("automated")


def _misspelled_relabeling(manifest):
    manifest["spec"]["podMetricsEndpoints"][0]["relabelings"][0]["targetLabels"] = "service"


@pytest.mark.parametrize(
    ("kind", "name", "change", "error"),
    [
        ("PrometheusRule", "nova-alerts", _bad_duration, "/spec/groups/0/rules/0/for must match pattern"),
        ("PrometheusRule", "nova-alerts", _missing_expr, "/spec/groups/0/rules/0 must have required property expr"),
        ("PrometheusRule", "nova-alerts", _misspelled_expr, "/spec/groups/0/rules/0/expresion: unknown field"),
        ("PrometheusRule", "nova-alerts", _unknown_spec_field, "/spec/evaluationInterval: unknown field"),
        ("Application", "nova-staging", _retry_limit_as_text, "/spec/syncPolicy/retry/limit must be integer"),
        ("Application", "nova-staging", _no_destination, "/spec must have required property destination"),
        ("Application", "nova-staging", _automatic_for_automated, "/spec/syncPolicy/automatic: unknown field"),
        (
            "PodMonitor",
            "feed-service",
            _misspelled_relabeling,
            "/spec/podMetricsEndpoints/0/relabelings/0/targetLabels: unknown field",
        ),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_a_planted_mistake_is_caught(rendered, kind, name, change, error):
    report = check_custom_resources(planted(rendered, kind, name, change))
    assert report.problem is None
    assert report.valid == []
    (errors,) = report.invalid.values()
    assert [line for line in errors if line.startswith(error)], errors


def test_a_kind_without_a_schema_is_unchecked_never_passed():
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}
    report = check_custom_resources({"Widget/w": widget})
    assert report.valid == []
    assert report.unchecked == {"Widget/w": "example.com/v1 Widget"}
