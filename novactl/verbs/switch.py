"""`novactl switch STACK SERVICE COLOR` (or `--all COLOR`, or `SERVICE --to-tag TAG`): make a
colour the active one; only the routing Service's selector changes."""

from __future__ import annotations

import argparse
from pathlib import Path

from novactl.plan import edits
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
    if args.to_tag:
        if len(args.targets) != 1 or args.all:
            raise StackError("usage: novactl switch STACK SERVICE --to-tag TAG")
        services = [args.targets[0]]
        color = edits.color_running(project_dir, args.stack, args.targets[0], args.to_tag)
    elif args.all:
        services, color = None, args.all
        if args.targets:
            raise StackError("switch --all COLOR takes no SERVICE")
    elif len(args.targets) == 2:
        services, color = [args.targets[0]], args.targets[1]
    else:
        raise StackError("usage: novactl switch STACK SERVICE COLOR  or  novactl switch STACK --all COLOR")
    result = edits.switch(project_dir, args.stack, services, color, args.dry_run)
    what = args.targets[0] if services else "every service"
    return report_edit(args, project_dir, result, f"switch({args.stack}): {what} to {color}")
