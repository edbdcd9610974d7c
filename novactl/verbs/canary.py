"""`novactl canary STACK SERVICE --pods N` (or `--abort`): put the idle colour into live traffic
with N pods, or take it back out."""

from __future__ import annotations

import argparse
from pathlib import Path

from novactl.plan import edits
from novactl.verbs.edit import add_edit_flags, report_edit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack")
    parser.add_argument("service")
    parser.add_argument("--pods", type=int, default=1, help="pods of the idle colour in live traffic (default 1)")
    parser.add_argument("--abort", action="store_true", help="take the canary back out of live traffic")
    add_edit_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    result = edits.canary(project_dir, args.stack, args.service, pods=args.pods, abort=args.abort, dry_run=args.dry_run)
    what = "aborted" if args.abort else f"{args.pods} pod(s) of the idle colour"
    return report_edit(args, project_dir, result, f"canary({args.stack}): {args.service} {what}")
