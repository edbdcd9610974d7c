"""The pack as the Pulumi CLI loads it: real pulumi_policy policies around our rules."""

from __future__ import annotations

import runpy
from typing import Any

import pulumi_policy
import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy

from policies.adapter import to_pulumi_policy
from policies.rules.registry import POLICIES
from tests.conftest import PROJECT_DIR

BY_NAME = {policy.name: policy for policy in POLICIES}
OPTIONS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def reports(policy_name: str, args: Any) -> list[tuple[str, str | None]]:
    reported: list[tuple[str, str | None]] = []
    wrapped = to_pulumi_policy(BY_NAME[policy_name])
    assert isinstance(wrapped, ResourceValidationPolicy | StackValidationPolicy)
    wrapped.validate(args, lambda message, urn: reported.append((message, urn)))
    return reported


def test_every_rule_becomes_a_policy_of_its_kind_and_level():
    for policy in POLICIES:
        wrapped = to_pulumi_policy(policy)
        expected = ResourceValidationPolicy if policy.resource_check else StackValidationPolicy
        assert isinstance(wrapped, expected)
        assert wrapped.name == policy.name
        level = EnforcementLevel.MANDATORY if policy.enforcement == "mandatory" else EnforcementLevel.ADVISORY
        assert wrapped.enforcement_level == level


def test_a_resource_policy_reports_through_pulumi_policy_on_proxied_props():
    # The CLI hands props over as read-only proxies (Mappings and Sequences, not dicts and lists).
    props = unknown_checking_proxy(
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:latest"}]}}}}
    )
    args = ResourceValidationArgs("kubernetes:apps/v1:Deployment", props, "urn:x", "web", OPTIONS, None)
    ((message, urn),) = reports("pinned-images", args)
    assert "tagged latest" in message
    assert urn is None
    other = ResourceValidationArgs("kubernetes:core/v1:ConfigMap", props, "urn:y", "cm", OPTIONS, None)
    assert reports("pinned-images", other) == [], "a rule only sees the types it is for"


def test_a_stack_policy_reports_the_offending_resource():
    def resource(type_: str, name: str, props: dict[str, Any]) -> PolicyResource:
        return PolicyResource(type_, unknown_checking_proxy(props), f"urn:{name}", name, OPTIONS, None, None, [], {})

    bucket = resource("aws:s3/bucket:Bucket", "logs", {"bucket": "logs"})
    ((message, urn),) = [
        item for item in reports("s3-encrypted-and-private", StackValidationArgs([bucket])) if "encryption" in item[0]
    ]
    assert urn == "urn:logs"
    assert "bucket logs has no default encryption" in message


def test_main_builds_the_nova_guardrails_pack_from_every_rule(monkeypatch):
    built: dict[str, Any] = {}

    def capture(**kwargs: Any) -> None:  # the real PolicyPack starts a server and never returns
        built.update(kwargs)

    monkeypatch.setattr(pulumi_policy, "PolicyPack", capture)
    runpy.run_path(str(PROJECT_DIR / "policies" / "__main__.py"), run_name="__main__")
    assert built["name"] == "nova-guardrails"
    assert built["enforcement_level"] == EnforcementLevel.MANDATORY
    assert [policy.name for policy in built["policies"]] == [policy.name for policy in POLICIES]


def test_the_pack_is_a_python_policy_project_with_pinned_requirements():
    import yaml

    project = yaml.safe_load((PROJECT_DIR / "policies" / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    lines = (PROJECT_DIR / "policies" / "requirements.txt").read_text().splitlines()
    requirements = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert "pulumi-policy==1.21.0" in requirements
    assert [line for line in requirements if "==" not in line] == [], "every requirement of the pack is pinned"
    project = (PROJECT_DIR / "requirements.txt").read_text().splitlines()
    dev = (PROJECT_DIR / "requirements-dev.txt").read_text().splitlines()
    assert {line for line in requirements if line.startswith(("pulumi==", "PyYAML=="))} <= set(project)
    assert "pulumi-policy==1.21.0" in dev, "the tests run the same pulumi_policy as the pack"


@pytest.mark.parametrize("policy", POLICIES, ids=lambda policy: policy.name)
def test_every_policy_is_documented(policy):
    text = (PROJECT_DIR / "docs" / "policies.md").read_text()
    assert f"`{policy.name}`" in text
