"""What the tool tests share: every stack written to disk once, and a runner for real tools."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from novactl.render import RenderResult
from tests.conftest import STACKS


def run_tool(tool: str, debian_package: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run an installed tool; a missing tool fails the test (it never skips it)."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed: run `make tools` (Debian package {debian_package})")
    return subprocess.run([path, *args], capture_output=True, text=True, check=False)


@pytest.fixture(scope="session")
def written(rendered, tmp_path_factory) -> dict[str, RenderResult]:
    """Every stack's render written out: manifests, rule files, alertmanager.yaml."""
    return {stack: rendered[stack].write(tmp_path_factory.mktemp(stack)) for stack in STACKS}
