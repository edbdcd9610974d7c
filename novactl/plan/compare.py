"""What `pulumi up` changes from one render to another: the one plan that `diff` and every edit
verb print, held against the real engine's preview by the e2e tests.

Resources are matched by URN; inputs are compared with secrets revealed, so a secret that
changed shows as changed, and printed masked. A change of a field the provider cannot update in
place is a replace (novactl/plan/replacements.py), as the engine plans it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi.runtime import rpc

from components import conventions
from novactl.engine.program import Registration
from novactl.engine.render import SECRET_MASK, Rendered, clean, is_kubernetes_object
from novactl.plan.changes import ABSENT, Action, FieldChange, ResourceChange, field_changes
from novactl.plan.replacements import replace_reasons


@dataclass(frozen=True)
class _Secret:
    """A secret input value: compared by value, never printed."""

    value: Any


def _reveal(value: Any) -> Any:
    if rpc.is_rpc_secret(value):
        return _Secret(_reveal(value["value"]))
    if isinstance(value, dict):
        return {key: _reveal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_reveal(item) for item in value]
    return value


def _masked(value: Any, secrets: set[str]) -> Any:
    if value is ABSENT:
        return value
    if isinstance(value, _Secret):
        return SECRET_MASK
    if isinstance(value, dict):
        return {key: _masked(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, secrets) for item in value]
    return clean(value, secrets)


def _object(resource: Registration) -> tuple[str | None, str | None]:
    """The Kubernetes kind and namespace of a resource (None, None when it is not an object)."""
    if not is_kubernetes_object(resource):
        return None, None
    metadata = resource.inputs.get("metadata")
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    return str(resource.inputs["kind"]), namespace if isinstance(namespace, str) else None


def compare(before: Rendered | None, after: Rendered) -> list[ResourceChange]:
    """The resource changes from `before` (None: the stack did not exist) to `after`, by URN."""
    old = {r.urn: r for r in before.recording.resources} if before else {}
    new = {r.urn: r for r in after.recording.resources}
    secrets = set(after.secret_values) | (set(before.secret_values) if before else set())
    live = live_deployments(after)
    changes: list[ResourceChange] = []
    for urn in sorted(set(old) | set(new)):
        if urn not in old:
            shown = tuple(
                FieldChange(path, ABSENT, _masked(value, secrets)) for path, value in key_fields(new[urn].inputs)
            )
            changes.append(ResourceChange("create", urn, new[urn].type, new[urn].name, *_object(new[urn]), shown))
            continue
        if urn not in new:
            changes.append(ResourceChange("delete", urn, old[urn].type, old[urn].name, *_object(old[urn])))
            continue
        raw = field_changes(_reveal(old[urn].inputs), _reveal(new[urn].inputs))
        if not raw:
            continue
        resource = new[urn]
        kind, namespace = _object(resource)
        reasons = replace_reasons(
            resource.type, kind, (change.path for change in raw), resource.options.get("replaceOnChanges", ())
        )
        fields = tuple(
            FieldChange(change.path, _masked(change.before, secrets), _masked(change.after, secrets)) for change in raw
        )
        notes: tuple[str, ...] = ()
        if resource.type == DEPLOYMENT and resource.name in live and any(f.path.startswith(POD_TEMPLATE) for f in raw):
            notes = (LIVE_RESTART,)
        action: Action = "replace" if reasons else "update"
        changes.append(
            ResourceChange(action, urn, resource.type, resource.name, kind, namespace, fields, tuple(reasons), notes)
        )
    return changes


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def key_fields(inputs: dict[str, Any]) -> list[tuple[str, Any]]:
    """What a reviewer needs to see of a new object: images, replicas, hosts, ports and the
    names of its variables (never their values: some are secrets by another name)."""
    found: list[tuple[str, Any]] = []
    spec = _dict(inputs.get("spec"))
    if "replicas" in spec:
        found.append(("spec.replicas", spec["replicas"]))
    pod = _dict(_dict(spec.get("template")).get("spec"))
    for container in map(_dict, pod.get("containers") or []):
        name = container.get("name")
        found.append((f"containers.{name}.image", container.get("image")))
        ports = [_dict(port).get("containerPort") for port in container.get("ports") or []]
        if ports:
            found.append((f"containers.{name}.ports", ports))
        variables = [_dict(item).get("name") for item in container.get("env") or []]
        if variables:
            found.append((f"containers.{name}.env", variables))
    hosts = [_dict(rule).get("host") for rule in spec.get("rules") or [] if _dict(rule).get("host")]
    if hosts:
        found.append(("spec.rules.host", hosts))
    if inputs.get("kind") == "Service" or ("selector" in spec and "ports" in spec):
        found.append(("spec.ports", [_dict(port).get("port") for port in spec.get("ports") or []]))
    return found


DEPLOYMENT = "kubernetes:apps/v1:Deployment"
POD_TEMPLATE = "spec.template"
LIVE_RESTART = "LIVE colour: its pods restart in a rolling update; see docs/blue-green.md for config changes"


def live_deployments(rendered: Rendered) -> set[str]:
    """The Deployments taking traffic after the change: each service's active colour, and
    its canary colour during a canary."""
    services = rendered.platform.services
    return {conventions.color_name(spec.name, color) for spec in services for color in spec.serving_colors}
