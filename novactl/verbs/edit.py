"""What every verb that edits a stack file shares: its flags (--dry-run, --json, --commit) and
its report (the messages, the plan of the next `pulumi up`, the commit)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from novactl.errors import EXIT_OK
from novactl.plan.changes import ResourceChange, change_record
from novactl.plan.stack_edit import EditResult
from novactl.stack.git import commit_stack_file
from novactl.stack.history import commit_subject


def add_edit_flags(parser: argparse.ArgumentParser) -> None:
    """The flags of an edit verb; each edit verb calls this from its own add_arguments."""
    parser.add_argument("--dry-run", action="store_true", help="show the change, do not write the stack file")
    parser.add_argument("--json", action="store_true", help="the messages and the plan as JSON")
    parser.add_argument("--commit", action="store_true", help="commit the stack file with a conventional message")


def report_edit(args: argparse.Namespace, project_dir: Path, result: EditResult, what: str) -> int:
    """Print what the edit did and plans, and commit it (`--commit`) as `<verb>(<stack>): <what>`."""
    message = commit_subject(args.command, args.stack, what)
    committed = None
    if args.commit and result.written:
        committed = commit_stack_file(project_dir, args.stack, message)
    if args.json:
        document = {
            "stack": args.stack,
            "messages": result.messages,
            "written": result.written,
            "changes": [change_record(change) for change in result.changes],
            "commit": committed,
        }
        print(json.dumps(document, indent=2, default=repr))
        return EXIT_OK
    for line in result.messages:
        print(line)
    if result.changes or result.written:
        print_changes(result.changes)
    if committed:
        print(f"Committed {committed[:12]} ({message}); apply with: pulumi up -s {args.stack}")
    elif result.written:
        print(f"Updated Pulumi.{args.stack}.yaml; next: commit it (or use --commit), then pulumi up -s {args.stack}")
    elif args.dry_run and result.changes:
        print("Dry run: the stack file was not changed.")
    return EXIT_OK


def print_changes(changes: list[ResourceChange]) -> None:
    """The plan of an edit, each change as `novactl diff` prints it."""
    if not changes:
        print("The next `pulumi up` changes nothing.")
        return
    print(f"The next `pulumi up` changes {len(changes)} resource(s):")
    for change in changes:
        for line in change.lines():
            print(f"  {line}")
