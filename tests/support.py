"""Helpers more than one test module uses (no test module imports another): novactl as a user
runs it, a project copy under git, and the Helm releases of a recording."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from novactl.engine.program import Recording, Registration
from tests.conftest import PROJECT_DIR

RELEASE = "kubernetes:helm.sh/v3:Release"
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def novactl(
    *args: str, cwd: Path = PROJECT_DIR, env: Mapping[str, str] | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m novactl -C CWD ARGS`, as a user runs it (with `env` over this environment)."""
    return subprocess.run(
        [sys.executable, "-m", "novactl", "-C", str(cwd), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT_DIR,
        env={**os.environ, **env} if env is not None else None,
        timeout=timeout,
    )


def git(project: Path, *args: str) -> str:
    """One git command in `project`, as the test author; its output, stripped."""
    done = subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True, text=True, env=GIT_ENV)
    return done.stdout.strip()


def git_repository(project: Path) -> Path:
    """`project` as a git repository whose one commit (on main) is the base."""
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "-A")
    git(project, "commit", "--quiet", "-m", "base")
    return project


def releases(recording: Recording) -> dict[str, Registration]:
    return {resource.name: resource for resource in recording.by_type(RELEASE)}


def values(recording: Recording, release: str) -> dict[str, Any]:
    result: dict[str, Any] = releases(recording)[release].inputs["values"]
    return result


def bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A workflow's `run:` script, as GitHub runs it (bash -euo pipefail), as the test author."""
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, **GIT_ENV, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def promote_step(name: str) -> str:
    """The `run:` script of the promote workflow's step `name`."""
    steps = yaml.safe_load((PROJECT_DIR / ".github/workflows/promote.yml").read_text())["jobs"]["promote"]["steps"]
    (found,) = [step for step in steps if step.get("name") == name]
    script: str = found["run"]
    return script
