"""`novactl release STACK SERVICE [TAG] [--env KEY=VALUE]`: put a tag (or a config change) on
the inactive colour; nothing of the live colour changes."""

from __future__ import annotations

import argparse
from pathlib import Path

from components.config.fields import ConfigError
from components.config.services import ServiceSpec
from components.config.workload import env_name
from components.conventions import Color, other_color
from novactl.plan.stack_edit import EditResult, StackEdit, unchanged
from novactl.stack.edit import quoted_map
from novactl.stack.files import StackError
from novactl.verbs.edit import add_edit_flags, report_edit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack")
    parser.add_argument("service")
    parser.add_argument("tag", nargs="?", help="the image tag (default: the live colour's, for a config-only release)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a variable for the released colour only (colorEnv), over the live colour's; repeatable",
    )
    add_edit_flags(parser)
    parser.set_defaults(handler=run)


def _assignment(text: str, flag: str) -> tuple[str, str]:
    """`KEY=VALUE` of a variable, the name checked as the stack config checks `env`."""
    name, separator, value = text.partition("=")
    if not separator or not name:
        raise StackError(f"{flag} {text!r}: expected KEY=VALUE")
    try:
        env_name(name, name)
    except ConfigError as error:
        raise StackError(f"{flag} {text!r}: {error.message}") from None
    return name, value


def run(args: argparse.Namespace, project_dir: Path) -> int:
    env = dict(_assignment(item, "--env") for item in args.env)
    if args.tag is None and not env:
        raise StackError("release needs a TAG, or --env KEY=VALUE to release a config change on the live tag")
    edit = StackEdit(project_dir, args.stack)
    result = release(edit, args.service, args.tag, env=env, dry_run=args.dry_run)
    what = args.tag or "the live tag with " + ", ".join(sorted(env))
    return report_edit(args, project_dir, result, f"{args.service} {what} on the inactive colour")


def release(
    edit: StackEdit, service: str, tag: str | None, *, env: dict[str, str] | None = None, dry_run: bool = False
) -> EditResult:
    """Put `tag` (default: the live tag) and the live colour's `colorEnv` with `env` over it on
    the inactive colour of `service` (step 1 of a blue/green release, of code or of config)."""
    spec = edit.service(service)
    target = release_target(edit, spec)
    if spec.idle == "scale-to-zero":
        raise edit.refusal(
            f"services.{spec.name}.idle",
            f"{target} is scaled to zero while inactive, so a release there cannot be smoke-tested; "
            f"set idle to keep for the release",
        )
    new_tag = str(tag) if tag is not None else spec.tags[spec.active]
    # The released colour runs the live colour's config, with the given changes on top.
    new_env = {**spec.color_env.get(spec.active, {}), **(env or {})}
    env_changed = dict(spec.color_env.get(target, {})) != new_env
    if spec.tags.get(target) == new_tag and not env_changed:
        return unchanged([f"{spec.name}: {target} already runs {new_tag} with that config"])
    edit.set(spec.name, ["tags", target], new_tag, quoted=True)
    if env_changed:
        edit.set(spec.name, ["colorEnv", target], quoted_map(new_env))
    previous = spec.tags.get(target, "nothing (idle)")
    messages = [f"{spec.name}: {target} {previous} -> {new_tag}; {spec.active} keeps serving {spec.tags[spec.active]}"]
    live_env = spec.env_for(spec.active)
    for name, value in sorted((env or {}).items()):
        if live_env.get(name) != value:
            before = live_env.get(name, "(unset)")
            messages.append(f"{spec.name}: {target} {name}: {before} -> {value} (live {spec.active} keeps {before})")
    messages.append(
        f"next: pulumi up -s {edit.stack} (rolls out and smoke-tests {target}), "
        f"then novactl switch {edit.stack} {spec.name} {target}"
    )
    return edit.finish(messages, dry_run)


def release_target(edit: StackEdit, spec: ServiceSpec) -> Color:
    """The colour a release (of a tag or of config) goes to: the idle one, and only while it
    takes no live traffic. During a canary it does, so a release there is refused: nothing
    that serves live traffic may restart under a release (docs/blue-green.md#states)."""
    target = other_color(spec.active)
    if target in spec.serving_colors:
        raise edit.refusal(
            f"services.{spec.name}.canary",
            f"{target} is a canary taking live traffic, so a release there would restart pods that serve "
            f"users; finish it (novactl switch {edit.stack} {spec.name} {target}) or abort it "
            f"(novactl canary {edit.stack} {spec.name} --abort) first",
        )
    return target
