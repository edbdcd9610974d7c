"""What the tool tests share: every stack written to disk once, and a runner for real tools."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from novactl.engine.render import RenderResult
from tests.conftest import PROJECT_DIR, STACKS
from tests.servers import free_ports, start_server, stop_server
from tests.support import git


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


PrometheusStarter = Callable[..., str]


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[PrometheusStarter]:
    """Starts Debian's prometheus on a loopback port with a throwaway data dir (or `data`, a
    TSDB made beforehand) and a config, waits until it is ready and returns its URL; every
    server started is stopped when the test ends."""
    run_tool("prometheus", "prometheus", "--version")  # fails the test if the package is missing
    processes: list[subprocess.Popen[bytes]] = []

    def start(config: dict[str, Any], data: Path | None = None) -> str:
        config_file = tmp_path / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(config))
        (port,) = free_ports()
        command = [
            "prometheus",
            f"--config.file={config_file}",
            f"--storage.tsdb.path={data or tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ]
        url = f"http://127.0.0.1:{port}"
        processes.append(start_server(command, f"{url}/-/ready", tmp_path / f"prometheus-{len(processes)}.log"))
        return url

    try:
        yield start
    finally:
        for process in processes:
            stop_server(process)


@pytest.fixture
def checkout(project_copy: Path, tmp_path: Path) -> Path:
    """The project copy as the workflow's checkout: a git repository whose origin is a bare
    repository standing in for GitHub, with .venv beside it."""
    for package in ("novactl", "policies", ".github"):
        shutil.copytree(PROJECT_DIR / package, project_copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    (project_copy / ".venv").symlink_to(PROJECT_DIR / ".venv")
    (project_copy / ".gitignore").write_text(".venv\n")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(origin)], check=True)
    git(project_copy, "init", "--quiet", "--initial-branch=main")
    git(project_copy, "add", "-A")
    git(project_copy, "commit", "--quiet", "-m", "base")
    git(project_copy, "remote", "add", "origin", str(origin))
    git(project_copy, "push", "--quiet", "origin", "HEAD:main")
    return project_copy
