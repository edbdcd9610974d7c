"""What every verb that edits a stack file shares: its flags (--dry-run, --json, --commit) and
its report (the messages, the planned changes, the commit)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from novactl.errors import EXIT_OK
from novactl.plan import edits
from novactl.stack.git import commit_stack_file
from novactl.verbs.output import print_changes


def add_edit_flags(parser: argparse.ArgumentParser) -> None:
    """The flags of an edit verb; each edit verb calls this from its own add_arguments."""
    parser.add_argument("--dry-run", action="store_true", help="show the change, do not write the stack file")
    parser.add_argument("--json", action="store_true", help="the messages and changes as JSON")
    parser.add_argument("--commit", action="store_true", help="commit the stack file with a conventional message")


def report_edit(args: argparse.Namespace, project_dir: Path, result: edits.EditResult, message: str) -> int:
    committed = None
    if args.commit and result.written:
        committed = commit_stack_file(project_dir, args.stack, message)
    if args.json:
        document = {
            "stack": args.stack,
            "messages": result.messages,
            "written": result.written,
            "changes": [
                {
                    "action": change.action,
                    "kind": change.key[0],
                    "namespace": change.key[1],
                    "name": change.key[2],
                    "fields": [{"path": f.path, "before": f.before, "after": f.after} for f in change.fields],
                }
                for change in result.changes
            ],
            "commit": committed,
        }
        print(json.dumps(document, indent=2, default=str))
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
