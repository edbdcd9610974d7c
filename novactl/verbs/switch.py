"""`novactl switch STACK SERVICE COLOR` (or `--all COLOR`, or `SERVICE --to-tag TAG`): make a
colour the active one; only the routing Service's selector changes (and the analysis Job that
watches the new colour)."""

from __future__ import annotations

import argparse
from pathlib import Path

from components.config.fields import ConfigError
from components.config.services import ServiceSpec
from components.conventions import COLORS, Color
from novactl.plan.stack_edit import EditResult, StackEdit, unchanged
from novactl.stack.files import StackError
from novactl.verbs.edit import add_edit_flags, report_edit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack")
    parser.add_argument("targets", nargs="*", metavar="SERVICE COLOR")
    parser.add_argument("--all", metavar="COLOR", help="switch every service to COLOR")
    parser.add_argument("--to-tag", metavar="TAG", help="switch SERVICE to the colour that runs TAG")
    add_edit_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    services, color = _targets(args)
    edit = StackEdit(project_dir, args.stack)
    if color is None:  # --to-tag
        color = color_running(edit, args.targets[0], args.to_tag)
    result = switch(edit, services, color, args.dry_run)
    what = f"{args.targets[0] if services else 'every service'} to {color}"
    return report_edit(args, project_dir, result, f"{what}, the colour running {args.to_tag}" if args.to_tag else what)


def _targets(args: argparse.Namespace) -> tuple[list[str] | None, str | None]:
    """The services to switch (None: all) and the colour (None: the one running --to-tag)."""
    if args.to_tag:
        if len(args.targets) != 1 or args.all:
            raise StackError("usage: novactl switch STACK SERVICE --to-tag TAG")
        return [args.targets[0]], None
    if args.all:
        if args.targets:
            raise StackError("switch --all COLOR takes no SERVICE")
        return None, args.all
    if len(args.targets) == 2:
        return [args.targets[0]], args.targets[1]
    raise StackError("usage: novactl switch STACK SERVICE COLOR  or  novactl switch STACK --all COLOR")


def switch(edit: StackEdit, services: list[str] | None, color_name: str, dry_run: bool = False) -> EditResult:
    """Make `color` the active colour of `services` (None: every service)."""
    messages, changed = switch_edits(edit, services, color_name)
    return edit.finish(messages, dry_run) if changed else unchanged(messages)


def switch_edits(edit: StackEdit, services: list[str] | None, color_name: str) -> tuple[list[str], bool]:
    """The edits of a switch (not yet planned or written): its messages, and whether it edits."""
    specs = [edit.service(name) for name in services] if services else list(edit.platform.services)
    key = f"services.{specs[0].name}.active" if len(specs) == 1 else "services.*.active"
    color = _color(edit, key, color_name)
    messages: list[str] = []
    to_flip: list[ServiceSpec] = []
    ending: list[ServiceSpec] = []  # canaries that end on the active colour (an abort)
    blocked: list[ConfigError] = []  # every service that cannot switch, not only the first
    for spec in specs:
        if spec.active == color:
            if spec.canary_pods is not None:
                ending.append(spec)
            else:
                messages.append(f"{spec.name}: {color} is already active")
            continue
        problem = _cannot_switch(edit, spec, color)
        if problem is not None:
            blocked.append(problem)
        else:
            to_flip.append(spec)
    if len(blocked) == 1:
        raise blocked[0]
    if blocked:
        lines = "\n".join(f"  {error}" for error in blocked)
        raise StackError(f"{len(blocked)} services cannot switch to {color}, so none does:\n{lines}")
    if not to_flip and not ending:
        return messages, False
    for spec in to_flip:
        edit.set(spec.name, ["active"], color)
        # A switch to the canary colour completes the canary: all of the traffic moves.
        edit.delete(spec.name, ["canary"])
        edit.delete(spec.name, ["rollback"])  # a switch is judged by its analysis again
        messages.append(f"{spec.name}: {spec.active} -> {color} (tag {spec.tags[color]})")
    for spec in ending:
        edit.delete(spec.name, ["canary"])
        messages.append(f"{spec.name}: canary ended; {color} takes all of the traffic again")
    return messages, True


def _color(edit: StackEdit, key: str, value: str) -> Color:
    for color in COLORS:
        if value == color:
            return color
    raise edit.refusal(key, f"{value!r} is not one of: {', '.join(COLORS)}")


def _cannot_switch(edit: StackEdit, spec: ServiceSpec, color: Color) -> ConfigError | None:
    """Why `spec` cannot take all of the traffic on `color`, or None."""
    if color not in spec.tags:
        return edit.refusal(
            f"services.{spec.name}.tags.{color}",
            f"{color} has no image tag, so it is not deployed; release one first: "
            f"novactl release {edit.stack} {spec.name} <tag>",
        )
    if spec.is_scaled_to_zero(color):
        return edit.refusal(
            f"services.{spec.name}.idle",
            f"{color} is scaled to zero (idle: scale-to-zero); set idle to keep and run "
            f"`pulumi up` so it is rolled out and smoke-tested before switching",
        )
    return None


def color_running(edit: StackEdit, service: str, tag: str) -> Color:
    """The colour of `service` whose tag is `tag` (what `switch --to-tag` switches to)."""
    spec = edit.service(service)
    for color, color_tag in spec.tags.items():
        if color_tag == str(tag):
            return color
    tags = ", ".join(f"{color} {value}" for color, value in spec.tags.items())
    raise edit.refusal(f"services.{spec.name}.tags", f"no colour runs {tag} ({tags}); release it first")
