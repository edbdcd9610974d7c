"""`novactl secrets STACK...`: refuse plain-text secrets in stack files, fast, with no render
(the commit hook's check)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from novactl.errors import EXIT_FAILED, EXIT_OK
from novactl.stack.files import plaintext_secrets, stack_from_argument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stacks", nargs="+", metavar="STACK", help="stack names or files (Pulumi.staging.yaml)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    problems = [line for stack in args.stacks for line in plaintext_secrets(project_dir, stack_from_argument(stack))]
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    return EXIT_FAILED if problems else EXIT_OK
