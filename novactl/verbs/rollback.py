"""`novactl rollback STACK SERVICE`: switch back to the colour that served before the last
switch, found in the stack file's git history."""

from __future__ import annotations

import argparse
from pathlib import Path

from novactl.plan.stack_edit import StackEdit
from novactl.stack import history
from novactl.verbs.edit import add_edit_flags, report_edit
from novactl.verbs.switch import switch


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack")
    parser.add_argument("service")
    add_edit_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    edit = StackEdit(project_dir, args.stack)
    color, last = history.rollback_target(project_dir, args.stack, args.service, edit.service(args.service))
    result = switch(edit, [args.service], color, args.dry_run)
    result.messages.insert(
        0, f"{args.service}: back to {color}, which served before the switch in {last.commit[:12]} ({last.date[:10]})"
    )
    return report_edit(args, project_dir, result, f"{args.service} back to {color}")
