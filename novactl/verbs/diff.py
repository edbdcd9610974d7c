"""`novactl diff STACK --base REF`: what the next `pulumi up` changes between REF and the working tree."""

from __future__ import annotations

import argparse
from pathlib import Path

from novactl.errors import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack")
    parser.add_argument("--base", required=True, metavar="REF", help="the git commit, branch or tag to compare against")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    from novactl.plan.diff import diff_stack, to_json, to_markdown, to_text  # noqa: PLC0415 - the SDK only when it runs

    diff = diff_stack(project_dir, args.stack, args.base)
    formatters = {"text": to_text, "markdown": to_markdown, "json": to_json}
    print(formatters[args.format](diff))
    return EXIT_OK
