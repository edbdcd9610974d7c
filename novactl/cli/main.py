"""`novactl`: render, check, diff and edit the platform's stacks offline, and read them live.

Verbs: render, check, secrets, diff, switch, canary, release, rollback, perf, status, reach, history
and completion.

Exit codes: 0 ok, 1 a check or the program failed, 2 usage or config error (novactl.errors).

The parser imports only the verb that runs (novactl.cli.registry), and the verbs that run the
program import the Pulumi SDK when they run: `status` answers without loading it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from components.config.fields import ConfigError
from novactl.cli.registry import VERBS
from novactl.cli.shell import GLOBAL_WITH_VALUE, hoist_stack_flag
from novactl.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, OperationError, UsageError
from novactl.stack.files import StackError


def _project_dir(start: Path) -> Path:
    """The nearest folder holding Pulumi.yaml, as the Pulumi CLI finds it."""
    for folder in (start, *start.parents):
        if (folder / "Pulumi.yaml").exists():
            return folder
    raise StackError(f"Pulumi.yaml: not found in {start} or any parent folder")


def verb_of(argv: Sequence[str]) -> str | None:
    """The verb `argv` names: its first word that is neither an option nor a global's value."""
    for index, word in enumerate(argv):
        if word.startswith("-") or (index > 0 and argv[index - 1] in GLOBAL_WITH_VALUE):
            continue
        return word
    return None


def build_parser(verb: str | None = None, load_all: bool = False) -> argparse.ArgumentParser:
    """The parser, with the arguments of `verb` alone (every verb's with `load_all`): the
    others are listed by name and summary, and never imported."""
    parser = argparse.ArgumentParser(prog="novactl", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("-C", "--project-dir", default=".", help="folder of Pulumi.yaml (default: found from here)")
    commands = parser.add_subparsers(dest="command", required=True)
    for entry in VERBS:
        sub = commands.add_parser(entry.name, help=entry.summary)
        if load_all or entry.name == verb:
            entry.load().add_arguments(sub)
    return parser


class _VersionAction(argparse.Action):
    """`--version`, looked up only when asked: reading package metadata costs every other verb time."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 - see _VersionAction

    try:
        return version("nova-platform")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed: pip install -e .)"


def run() -> NoReturn:
    """The `novactl` command (and `python -m novactl`): main, then out at once.

    Everything a verb opens it closes itself (files, temporary folders, processes, threads), so
    nothing is left for the interpreter's teardown but freeing the Pulumi SDK's thousands of
    classes, which costs a third of a second at every exit: skip it.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # a pipe's buffer is written here, inside the handler, not at exit
        return code
    except BrokenPipeError:
        # `novactl diff ... | head`: the reader left; stop quietly, as other Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _main(argv: Sequence[str] | None = None) -> int:
    words = hoist_stack_flag(sys.argv[1:] if argv is None else argv)
    args = build_parser(verb_of(words)).parse_args(words)
    try:
        if not getattr(args, "needs_project", True):
            code: int = args.handler(args, Path.cwd())
            return code
        project_dir = _project_dir(Path(args.project_dir).resolve())
        code = args.handler(args, project_dir)
        return code
    # ConfigError is the program's own (components/ imports nothing of novactl's).
    except (UsageError, ConfigError) as error:
        _print_error(error)
        return EXIT_USAGE
    except OperationError as error:
        _print_error(error)
        return EXIT_FAILED


def _print_error(error: Exception) -> None:
    """One `error:` line per problem (several config mistakes are reported together)."""
    for line in str(error).splitlines():
        print(f"error: {line}", file=sys.stderr)
