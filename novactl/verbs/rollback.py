"""`novactl rollback STACK SERVICE`: switch back to the colour that served before the last
switch, found in the stack file's git history."""

from __future__ import annotations

import argparse
from pathlib import Path

from novactl.plan import edits
from novactl.stack import declared, history
from novactl.verbs.edit import add_edit_flags, report_edit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack")
    parser.add_argument("service")
    add_edit_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    spec = declared.find_service(declared.declared_platform(project_dir, args.stack), args.service)
    color, last = history.rollback_target(project_dir, args.stack, args.service, spec)
    result = edits.switch(project_dir, args.stack, [args.service], color, args.dry_run)
    result.messages.insert(
        0, f"{args.service}: back to {color}, which served before the switch in {last.commit[:12]} ({last.date[:10]})"
    )
    return report_edit(args, project_dir, result, f"rollback({args.stack}): {args.service} back to {color}")
