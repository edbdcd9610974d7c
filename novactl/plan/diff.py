"""`novactl diff`: what `pulumi up` would change between a git ref and the working tree.

Both sides are rendered offline (secrets as masked placeholders), the base in a temporary git
worktree. Resources are matched by URN; inputs are compared with secrets revealed, so a secret
that changed shows as changed, and printed masked.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pulumi.runtime import rpc

from components import conventions
from novactl.engine.render import SECRET_MASK, Rendered, clean, render_stack
from novactl.errors import BaseRenderError
from novactl.plan.changes import ABSENT, FieldChange, field_changes, field_line
from novactl.plan.replacements import replace_reasons
from novactl.stack.files import StackError, stack_file
from novactl.stack.git import git

Action = Literal["create", "update", "replace", "delete"]
ACTIONS: tuple[Action, ...] = ("create", "update", "replace", "delete")
SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-"}


@dataclass(frozen=True)
class ResourceChange:
    action: Action
    urn: str
    type: str
    name: str
    fields: tuple[FieldChange, ...] = ()
    reasons: tuple[str, ...] = ()  # why a replace is a replace
    notes: tuple[str, ...] = ()  # what the change means for traffic (the live colour restarts)


@dataclass
class Diff:
    stack: str
    base: str  # the ref as given
    base_commit: str
    changes: list[ResourceChange] = field(default_factory=list)
    services: list[str] = field(default_factory=list)  # one line per service whose traffic or colours moved

    def counts(self) -> dict[str, int]:
        return {action: sum(1 for change in self.changes if change.action == action) for action in ACTIONS}


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


def compare(before: Rendered | None, after: Rendered) -> list[ResourceChange]:
    """The resource changes from `before` (None: the stack did not exist) to `after`."""
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
            changes.append(ResourceChange("create", urn, new[urn].type, new[urn].name, shown))
            continue
        if urn not in new:
            changes.append(ResourceChange("delete", urn, old[urn].type, old[urn].name))
            continue
        raw = field_changes(_reveal(old[urn].inputs), _reveal(new[urn].inputs))
        if not raw:
            continue
        resource = new[urn]
        kind = resource.inputs.get("kind") if isinstance(resource.inputs.get("kind"), str) else None
        reasons = replace_reasons(
            resource.type, kind, (change.path for change in raw), resource.options.get("replaceOnChanges", ())
        )
        fields = tuple(
            FieldChange(change.path, _masked(change.before, secrets), _masked(change.after, secrets)) for change in raw
        )
        notes: tuple[str, ...] = ()
        if resource.type == DEPLOYMENT and resource.name in live and any(f.path.startswith(POD_TEMPLATE) for f in raw):
            notes = (LIVE_RESTART,)
        changes.append(
            ResourceChange(
                "replace" if reasons else "update", urn, resource.type, resource.name, fields, tuple(reasons), notes
            )
        )
    return changes


def service_lines(before: Rendered | None, after: Rendered, changes: list[ResourceChange]) -> list[str]:
    """A line per service whose colours or traffic move, first thing a reviewer reads:
    `feed-service: idle blue 2.3.0 -> 2.5.0 (live green untouched)`."""
    old = {spec.name: spec for spec in before.platform.services} if before else {}
    new = after.platform.services
    restarted = {change.name for change in changes if change.notes}
    lines = []
    for spec in new:
        was = old.get(spec.name)
        live = f"{spec.active} {spec.tags[spec.active]}"
        if was is None:
            lines.append(f"{spec.name}: new, {live}")
            continue
        if was.active != spec.active:
            lines.append(f"{spec.name}: traffic {was.active} {was.tags.get(was.active, '-')} -> {live}")
        elif was.canary_pods != spec.canary_pods:
            idle = conventions.other_color(spec.active)
            share = f"{idle} x{spec.canary_pods}" if spec.canary_pods is not None else "ended"
            lines.append(f"{spec.name}: canary {share} (live {live})")
        else:
            moved = [c for c in conventions.COLORS if c != spec.active and was.tags.get(c) != spec.tags.get(c)]
            untouched = f"(live {spec.active} untouched)"
            lines += [
                f"{spec.name}: idle {c} {was.tags.get(c, '-')} -> {spec.tags.get(c, '-')} {untouched}" for c in moved
            ]
        if conventions.color_name(spec.name, spec.active) in restarted:
            lines.append(f"{spec.name}: ⚠ restarts the live colour ({spec.active})")
    lines += [f"{name}: removed" for name in sorted(set(old) - {spec.name for spec in new})]
    return lines


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


@contextlib.contextmanager
def checkout(project_dir: Path, ref: str) -> Iterator[tuple[Path, str]]:
    """The project folder as it is at `ref`, in a temporary worktree, and the commit."""
    if shutil.which("git") is None:
        raise StackError("git is not installed: diff renders the base in a git worktree")
    try:
        root = Path(git(project_dir, "rev-parse", "--show-toplevel"))
    except StackError:
        raise StackError(f"{project_dir} is not in a git repository: diff needs one for --base") from None
    try:
        commit = git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except StackError:
        raise StackError(f"--base {ref}: no such commit, branch or tag (fetch it first?)") from None
    folder = Path(tempfile.mkdtemp(prefix="novactl-diff-"))
    worktree = folder / "base"
    git(root, "worktree", "add", "--detach", "--quiet", str(worktree), commit)
    try:
        yield worktree / project_dir.resolve().relative_to(root.resolve()), commit
    finally:
        subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(worktree)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def diff_stack(project_dir: Path, stack: str, base: str) -> Diff:
    """Render `stack` at `base` and in the working tree, and compare. A `base` that names no
    commit is refused first, before anything renders (the checkout verifies it)."""
    with checkout(project_dir, base) as (base_dir, commit):
        after = render_stack(project_dir, stack, placeholder_secrets=True)
        before = None
        if stack_file(base_dir, stack).exists():
            try:
                before = render_stack(base_dir, stack, placeholder_secrets=True)
            except Exception as error:  # whatever the base's program raises, say which side failed
                raise BaseRenderError(f"--base {base} ({commit[:12]}) does not render stack {stack}: {error}") from None
    changes = compare(before, after)
    return Diff(stack, base, commit, changes, service_lines(before, after, changes))


def _headline(diff: Diff) -> str:
    counts = diff.counts()
    parts = ", ".join(f"{counts[action]} to {action}" for action in ACTIONS)
    return f"{sum(counts.values())} change(s): {parts}"


def to_text(diff: Diff) -> str:
    lines = [f"novactl diff {diff.stack}: {diff.base} ({diff.base_commit[:12]}) -> working tree"]
    lines += diff.services
    lines.append(_headline(diff))
    for change in diff.changes:
        reasons = f"  ({'; '.join(change.reasons)})" if change.reasons else ""
        lines.append(f"{SYMBOLS[change.action]:>2} {change.action:<8} {change.type}  {change.name}{reasons}")
        lines.extend(f"      ! {note}" for note in change.notes)
        lines.extend(f"      {field_line(item)}" for item in change.fields)
    return "\n".join(lines)


# GitHub refuses a comment over 65,536 characters; the comment holds three stacks.
MAX_MARKDOWN = 20_000
MAX_ROWS = 60
MAX_DETAILS = 40
MAX_FIELDS = 25


def to_markdown(diff: Diff) -> str:
    """A PR comment: a summary table, the changed resources, field changes folded away."""
    counts = diff.counts()
    lines = [
        f"### Stack `{diff.stack}`: {sum(counts.values())} change(s) against `{diff.base}` ({diff.base_commit[:12]})",
        "",
        "| " + " | ".join(ACTIONS) + " |",
        "|" + "---:|" * len(ACTIONS),
        "| " + " | ".join(str(counts[action]) for action in ACTIONS) + " |",
    ]
    if diff.services:
        lines += ["", *(f"- {line}" for line in diff.services)]
    if not diff.changes:
        return "\n".join([*lines, "", "No changes."]) + "\n"
    lines += ["", "| | resource | type |", "|---|---|---|"]
    lines += [
        f"| {c.action} | `{c.name}`{' **(live colour restarts)**' if c.notes else ''} | `{c.type}` |"
        for c in diff.changes[:MAX_ROWS]
    ]
    if len(diff.changes) > MAX_ROWS:
        lines.append(f"| | and {len(diff.changes) - MAX_ROWS} more | |")
    detailed = [c for c in diff.changes if c.fields][:MAX_DETAILS]
    for change in detailed:
        reasons = f" — {'; '.join((*change.reasons, *change.notes))}" if change.reasons or change.notes else ""
        shown = [field_line(item) for item in change.fields[:MAX_FIELDS]]
        if len(change.fields) > MAX_FIELDS:
            shown.append(f"... and {len(change.fields) - MAX_FIELDS} more field(s)")
        lines += [
            "",
            f"<details><summary>{change.action} <code>{change.name}</code> "
            f"({len(change.fields)} field(s)){reasons}</summary>",
            "",
            "```",
            *(line.replace("```", "'''") for line in shown),
            "```",
            "",
            "</details>",
        ]
    text = "\n".join(lines) + "\n"
    if len(text) <= MAX_MARKDOWN:
        return text
    cut = text[: MAX_MARKDOWN - 400].rsplit("\n<details>", 1)[0]
    return (
        f"{cut}\n\n_Cut to stay under GitHub's comment limit: the full diff of `{diff.stack}` is in the "
        "job summary of this run's `Check and diff` job, and `novactl diff` prints it locally._\n"
    )


def to_json(diff: Diff) -> str:
    document = {
        "stack": diff.stack,
        "base": diff.base,
        "baseCommit": diff.base_commit,
        "summary": diff.counts(),
        "services": diff.services,
        "changes": [asdict(change) for change in diff.changes],
    }
    return json.dumps(document, indent=2, default=repr)
