"""The production guardrails on the rendered stacks: production as committed passes, and each
guardrail fails when production loses it, while staging may run without it."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from novactl.engine.render import render_stack
from novactl.validate.check import resources
from policies.rules import Resource, evaluate
from policies.rules.production import POLICIES, stack_of
from tests.conftest import PROJECT_DIR

INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"


def found(stack_resources: list[Resource]) -> list[str]:
    return [violation.message for violation in evaluate(POLICIES, stack_resources)]


def test_the_stack_comes_from_the_urn():
    resource = Resource("t", "n", "urn:pulumi:production::nova-platform::nova:platform:Platform$t::n", {})
    assert stack_of(resource) == "production"


def test_production_as_committed_passes(rendered):
    assert found(resources(rendered["production"].recording)) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["networkPolicy.enabled=false"], "production runs without network policies in nova-production"),
        (["services.feed-service.analysis.enabled=false"], "feed-service-analysis only reports on production"),
    ],
)
def test_each_guardrail_fails_production_and_not_staging(overrides, message):
    production = render_stack(PROJECT_DIR, "production", placeholder_secrets=True, overrides=overrides)
    messages = found(resources(production.recording))
    assert [text for text in messages if message in text], messages
    staging = render_stack(PROJECT_DIR, "staging", placeholder_secrets=True, overrides=overrides)
    assert found(resources(staging.recording)) == []


def _with_annotations(ingress: Resource, **annotations: str) -> Resource:
    metadata = dict(ingress.props["metadata"])
    metadata["annotations"] = {**metadata.get("annotations", {}), **annotations}
    return replace(ingress, props={**ingress.props, "metadata": metadata})


def test_an_ingress_that_takes_plain_http_fails_production(rendered):
    stack = resources(rendered["production"].recording)
    (ingress,) = [r for r in stack if r.type == INGRESS]
    others = [r for r in stack if r is not ingress]
    plain = _with_annotations(
        ingress, **{"alb.ingress.kubernetes.io/listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}])}
    )
    (message,) = found([*others, plain])
    assert message == "Ingress graphql-gateway listens on plain HTTP besides HTTPS; production serves TLS only"
    metadata = {**ingress.props["metadata"], "annotations": {}}
    bare = replace(ingress, props={**ingress.props, "metadata": metadata})
    (message,) = found([*others, bare])
    assert "terminates no TLS" in message
