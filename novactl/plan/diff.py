"""`novactl diff`: what `pulumi up` would change between a git ref and the working tree.

Both sides are rendered offline (secrets as masked placeholders), the base in a temporary git
worktree, and planned by novactl/plan/compare.py, as every edit verb plans its edit.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components import conventions
from novactl.engine.program import program_modules
from novactl.engine.render import Rendered, render_stack
from novactl.errors import BaseRenderError
from novactl.plan.changes import ACTIONS, ResourceChange, change_record, field_line
from novactl.plan.compare import compare
from novactl.stack.files import StackError, stack_file
from novactl.stack.git import git


@dataclass
class Diff:
    stack: str
    base: str  # the ref as given
    base_commit: str
    changes: list[ResourceChange] = field(default_factory=list)
    services: list[str] = field(default_factory=list)  # one line per service whose traffic or colours moved

    def counts(self) -> dict[str, int]:
        return {action: sum(1 for change in self.changes if change.action == action) for action in ACTIONS}


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


def base_platform(base_dir: Path, rendered: Rendered) -> Any:
    """The base's platform as the base's own rules parse it: a key this checkout has since made
    required (or refuses) must not stop a diff against a commit from before."""
    config = rendered.config
    with program_modules(base_dir):
        rules = importlib.import_module("components.config.stack")
        raw = rules.decode_engine_config(config.engine_config(), config.stack, config.secret_keys)
        return rules.parse_platform_config(raw, config.stack)


def diff_stack(project_dir: Path, stack: str, base: str) -> Diff:
    """Render `stack` at `base` and in the working tree, and compare. A `base` that names no
    commit is refused first, before anything renders (the checkout verifies it)."""
    with checkout(project_dir, base) as (base_dir, commit):
        after = render_stack(project_dir, stack, placeholder_secrets=True)
        before = None
        if stack_file(base_dir, stack).exists():
            try:
                before = render_stack(base_dir, stack, placeholder_secrets=True)
                before.parsed = base_platform(base_dir, before)
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
        lines += change.lines()
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
        "changes": [change_record(change) for change in diff.changes],
    }
    return json.dumps(document, indent=2, default=repr)
