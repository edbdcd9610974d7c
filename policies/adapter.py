"""Our rules as pulumi_policy policies: the only module of the pack that imports the SDK."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import Policy as PulumiPolicy

from policies.rules import Policy, Resource

_LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}


def to_pulumi_policy(policy: Policy) -> PulumiPolicy:
    """A ResourceValidationPolicy or StackValidationPolicy running `policy`'s check."""
    level = _LEVELS[policy.enforcement]
    resource_check, stack_check = policy.resource_check, policy.stack_check
    if resource_check is not None:

        def validate_resource(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
            resource = Resource(args.resource_type, args.name, args.urn, args.props)
            if policy.applies_to(resource):
                for message in resource_check(resource):
                    report_violation(message, None)

        return ResourceValidationPolicy(
            name=policy.name, description=policy.description, validate=validate_resource, enforcement_level=level
        )
    assert stack_check is not None, f"policy {policy.name} has no check"

    def validate_stack(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [
            Resource(r.resource_type, r.name, r.urn, r.props, tuple(d.urn for d in r.dependencies))
            for r in args.resources
        ]
        for resource, message in stack_check(resources):
            report_violation(message, resource.urn)

    return StackValidationPolicy(
        name=policy.name, description=policy.description, validate=validate_stack, enforcement_level=level
    )
