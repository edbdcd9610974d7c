"""The verbs that need no render never load the Pulumi SDK (a second of import on every call):
only the offline engine imports it, when a verb runs the program."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR


def imported(*args: str, cwd: Path) -> set[str]:
    """Every module `novactl ARGS` imports, from `python -X importtime` (exit status aside)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "novactl", "-C", str(PROJECT_DIR), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
    lines = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    assert lines, result.stderr
    return {line.rsplit("|", 1)[1].strip() for line in lines[1:]}  # the first line is the header


def sdk(modules: set[str]) -> set[str]:
    return {name for name in modules if name == "pulumi" or name.startswith(("pulumi.", "pulumi_"))}


@pytest.mark.parametrize(
    "args",
    [
        ["status", "staging"],
        ["status", "staging", "feed-service", "--json"],
        ["history", "staging"],
        ["secrets", "dev", "staging", "production"],
        ["completion", "bash"],
        ["perf", "record", "--suite", "render", "missing-results.json"],
        ["perf", "compare", "--suite", "render", "missing-results.json"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_a_verb_that_needs_no_render_never_imports_the_sdk(args, tmp_path):
    assert sdk(imported(*args, cwd=tmp_path)) == set()


def test_a_verb_that_renders_imports_it(tmp_path):
    # The control: the same reading sees the SDK when a verb runs the program.
    modules = imported("render", "dev", "--placeholder-secrets", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert {"pulumi", "pulumi_kubernetes"} <= sdk(modules)
