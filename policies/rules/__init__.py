"""Guardrail rules as plain functions, shared by the Pulumi policy pack and `novactl check`.

A resource rule takes one Resource and yields messages; a stack rule takes every Resource
of the stack and yields (resource, message) pairs. Props are the resource's inputs as the
engine sees them (camelCase); under `pulumi preview` they are read-only Mappings and
Sequences (pulumi_policy proxies), so rules never assume dict or list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Enforcement = Literal["mandatory", "advisory"]


@dataclass(frozen=True)
class Resource:
    """One resource as a policy sees it."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    dependencies: tuple[str, ...] = ()


ResourceCheck = Callable[[Resource], Iterable[str]]
StackCheck = Callable[[Sequence[Resource]], Iterable[tuple[Resource, str]]]


@dataclass(frozen=True)
class Policy:
    """One guardrail: a resource check or a stack check, and why it exists (docs/policies.md)."""

    name: str
    description: str
    enforcement: Enforcement
    resource_check: ResourceCheck | None = None
    stack_check: StackCheck | None = None
    types: tuple[str, ...] = field(default=())  # resource types a resource check applies to; () is all

    def applies_to(self, resource: Resource) -> bool:
        return not self.types or resource.type in self.types


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement: Enforcement
    resource: str  # the resource's name
    urn: str
    message: str


def evaluate(policies: Sequence[Policy], resources: Sequence[Resource]) -> list[Violation]:
    """Run every policy over the stack, as the policy pack does under `pulumi preview`."""
    violations: list[Violation] = []
    for policy in policies:
        if policy.resource_check is not None:
            for resource in resources:
                if policy.applies_to(resource):
                    violations.extend(
                        Violation(policy.name, policy.enforcement, resource.name, resource.urn, message)
                        for message in policy.resource_check(resource)
                    )
        if policy.stack_check is not None:
            violations.extend(
                Violation(policy.name, policy.enforcement, resource.name, resource.urn, message)
                for resource, message in policy.stack_check(resources)
            )
    return violations


def items(value: Any) -> list[Any]:
    """The elements of a list-like value (a list, or a pulumi_policy proxy); none otherwise."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    return []


def mapping(value: Any) -> Mapping[str, Any]:
    """`value` when it is a mapping (a dict or a proxy), else an empty one."""
    return value if isinstance(value, Mapping) else {}


def dig(value: Any, *path: str) -> Any:
    """value[path[0]][path[1]]..., or None where a step is missing."""
    for key in path:
        value = mapping(value).get(key)
    return value


def strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a nested value, with its dotted path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, child in value.items():
            yield from strings(child, f"{path}.{key}" if path else str(key))
    else:
        for index, child in enumerate(items(value)):
            yield from strings(child, f"{path}[{index}]")
