"""`novactl completion bash|zsh`: a completion script from the parser itself (every verb loaded)."""

from __future__ import annotations

import argparse
from pathlib import Path

from novactl.errors import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=["bash", "zsh"])
    parser.set_defaults(handler=run, needs_project=False)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    from novactl.cli.main import build_parser  # noqa: PLC0415 - the parser imports the verbs
    from novactl.cli.shell import completion_script  # noqa: PLC0415 - only this verb needs it

    print(completion_script(build_parser(load_all=True), args.shell))
    return EXIT_OK
