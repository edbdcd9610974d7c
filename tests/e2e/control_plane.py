"""A real Kubernetes control plane on loopback for `make e2e`: etcd and kube-apiserver, built
by tools/control-plane/build.sh, started with a temporary data folder and stopped afterwards.

There are no controllers, kubelets or nodes: the API server stores and serves objects, checks
them against its own schemas, authenticates tokens and authorizes with RBAC. What controllers
would write (a Deployment's ready replicas, a Job's outcome, EndpointSlices) the tests write
through the status subresources, as those controllers do.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

ADMIN_TOKEN = "e2e-admin-token"  # system:masters, for setting the cluster up
READER_TOKEN = "e2e-reader-token"  # the user `status --live` runs as: only what RBAC grants
READER_USER = "novactl-reader"
STARTUP_TIMEOUT = 120


@dataclass(frozen=True)
class ControlPlane:
    server: str
    ca_file: Path

    def kubeconfig(self, path: Path, context: str, token: str) -> Path:
        """A kubeconfig whose one (current) context reaches this API server with `token`."""
        path.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [
                        {
                            "name": "e2e",
                            "cluster": {"server": self.server, "certificate-authority": str(self.ca_file)},
                        }
                    ],
                    "users": [{"name": "user", "user": {"token": token}}],
                    "contexts": [{"name": context, "context": {"cluster": "e2e", "user": "user"}}],
                    "current-context": context,
                }
            )
        )
        return path


def binaries() -> Path:
    """Where tools/control-plane/build.sh put kube-apiserver and etcd (`make e2e` sets it)."""
    folder = os.environ.get("NOVA_CONTROL_PLANE_BIN")
    if not folder or not (Path(folder) / "kube-apiserver").exists():
        raise RuntimeError("NOVA_CONTROL_PLANE_BIN names no built control plane: run `make e2e`")
    return Path(folder)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until(ready: str, context: ssl.SSLContext | None, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    request = urllib.request.Request(ready, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{ready} exited with {process.returncode}: {log.read_text()[-3000:]}")
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
            urllib.request.urlopen(request, timeout=5, context=context) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{ready} not ready within {STARTUP_TIMEOUT}s: {log.read_text()[-3000:]}")


@contextlib.contextmanager
def running(folder: Path) -> Iterator[ControlPlane]:
    """etcd and kube-apiserver on free loopback ports, data under `folder`; both stopped after."""
    bin_dir = binaries()
    client, peer, secure = _free_port(), _free_port(), _free_port()
    keys = folder / "keys"
    keys.mkdir(parents=True)
    subprocess.run(["openssl", "genrsa", "-out", str(keys / "sa.key"), "2048"], check=True, capture_output=True)
    subprocess.run(
        ["openssl", "rsa", "-in", str(keys / "sa.key"), "-pubout", "-out", str(keys / "sa.pub")],
        check=True,
        capture_output=True,
    )
    (keys / "tokens.csv").write_text(f'{ADMIN_TOKEN},e2e-admin,1,"system:masters"\n{READER_TOKEN},{READER_USER},2\n')
    processes: list[subprocess.Popen[bytes]] = []
    try:
        etcd_log = folder / "etcd.log"
        processes.append(
            subprocess.Popen(
                [
                    str(bin_dir / "etcd"),
                    f"--data-dir={folder / 'etcd'}",
                    f"--listen-client-urls=http://127.0.0.1:{client}",
                    f"--advertise-client-urls=http://127.0.0.1:{client}",
                    f"--listen-peer-urls=http://127.0.0.1:{peer}",
                    f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
                    f"--initial-cluster=default=http://127.0.0.1:{peer}",
                ],
                stdout=etcd_log.open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
        _wait_until(f"http://127.0.0.1:{client}/health", None, processes[-1], etcd_log)
        certs = folder / "certs"
        apiserver_log = folder / "kube-apiserver.log"
        processes.append(
            subprocess.Popen(
                [
                    str(bin_dir / "kube-apiserver"),
                    f"--etcd-servers=http://127.0.0.1:{client}",
                    "--bind-address=127.0.0.1",
                    "--advertise-address=127.0.0.1",
                    # The `kubernetes` Service's endpoints may not be loopback; nothing here needs them.
                    "--endpoint-reconciler-type=none",
                    f"--secure-port={secure}",
                    f"--cert-dir={certs}",
                    f"--token-auth-file={keys / 'tokens.csv'}",
                    "--authorization-mode=RBAC",
                    "--service-account-issuer=https://kubernetes.default.svc",
                    f"--service-account-key-file={keys / 'sa.pub'}",
                    f"--service-account-signing-key-file={keys / 'sa.key'}",
                    "--service-cluster-ip-range=10.96.0.0/16",
                ],
                stdout=apiserver_log.open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
        server = f"https://127.0.0.1:{secure}"
        # The server writes its self-signed serving certificate before it listens.
        insecure = ssl.create_default_context()
        insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
        _wait_until(f"{server}/readyz", insecure, processes[-1], apiserver_log)
        yield ControlPlane(server=server, ca_file=certs / "apiserver.crt")
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
