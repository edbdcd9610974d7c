"""Git as novactl uses it: the base of `diff`, the history of a stack file, and `--commit`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from novactl.stack.files import StackError, stack_file


def git(folder: Path, *args: str) -> str:
    """The output of one git command in `folder`; a one-line StackError when it fails."""
    outcome = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=False)
    if outcome.returncode != 0:
        raise StackError(f"git {' '.join(args)}: {outcome.stderr.strip() or 'failed'}")
    return outcome.stdout.strip()


def commit_stack_file(project_dir: Path, stack: str, message: str) -> str:
    """Commit the stack file alone with a conventional message (as the promote workflow does);
    the new commit."""
    name = stack_file(project_dir, stack).name
    git(project_dir, "add", "--", name)
    git(project_dir, "commit", "--quiet", "--message", message, "--", name)
    return git(project_dir, "rev-parse", "HEAD")
