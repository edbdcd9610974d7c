"""Real servers for tests (Prometheus, InfluxDB, etcd, kube-apiserver): free loopback ports, start
and wait until ready, stop."""

from __future__ import annotations

import socket
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest


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


def start_server(
    command: list[str],
    ready_url: str,
    log: Path,
    seconds: float = 60,
    *,
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
) -> subprocess.Popen[bytes]:
    """Start a server, its output in `log`, and wait until `ready_url` answers 2xx (asked with
    `headers`, over TLS with `context`). A server that exits fails the test at once with the
    end of its log, not after the timeout."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-5:]
            pytest.fail(f"{command[0]} exited with {process.returncode}: " + " | ".join(tail))
        try:
            request = urllib.request.Request(ready_url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=2, context=context) as response:
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
