"""`novactl release STACK SERVICE [TAG] [--env KEY=VALUE]`: put a tag (or a config change) on
the inactive colour; nothing of the live colour changes."""

from __future__ import annotations

import argparse
from pathlib import Path

from components.config.fields import ConfigError
from components.config.workload import env_name
from novactl.plan import edits
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
    result = edits.release(project_dir, args.stack, args.service, args.tag, env=env, dry_run=args.dry_run)
    what = args.tag or "the live tag with " + ", ".join(sorted(env))
    return report_edit(
        args, project_dir, result, f"release({args.stack}): {args.service} {what} on the inactive colour"
    )
