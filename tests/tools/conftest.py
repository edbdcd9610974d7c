"""What the tool tests share: every stack written to disk once, and a runner for real tools."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

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


def free_ports(count: int = 1) -> list[int]:
    """Distinct free loopback ports: all held open until each is known, so none repeats."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def start_server(command: list[str], ready_url: str, log: Path, seconds: float = 60) -> subprocess.Popen[bytes]:
    """Start a server, its output in `log`, and wait until `ready_url` answers 2xx. A server
    that exits fails the test at once with the end of its log, not after the timeout."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-5:]
            pytest.fail(f"{command[0]} exited with {process.returncode}: " + " | ".join(tail))
        try:
            with urllib.request.urlopen(ready_url, timeout=2) as response:
                if 200 <= response.status < 300:
                    return process
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(process)
    pytest.fail(f"{command[0]} did not answer {ready_url} within {seconds:g} s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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
