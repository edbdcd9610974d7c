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
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.kube import write_kubeconfig
from tests.servers import free_ports, start_server, stop_server

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
        return write_kubeconfig(path, self.server, context, token, self.ca_file)


def binaries() -> Path:
    """Where tools/control-plane/build.sh put kube-apiserver and etcd (`make e2e` sets it)."""
    folder = os.environ.get("NOVA_CONTROL_PLANE_BIN")
    if not folder or not (Path(folder) / "kube-apiserver").exists():
        raise RuntimeError("NOVA_CONTROL_PLANE_BIN names no built control plane: run `make e2e`")
    return Path(folder)


@contextlib.contextmanager
def running(folder: Path) -> Iterator[ControlPlane]:
    """etcd and kube-apiserver on free loopback ports, data under `folder`; both stopped after."""
    bin_dir = binaries()
    client, peer, secure = free_ports(3)
    keys = folder / "keys"
    keys.mkdir(parents=True)
    subprocess.run(["openssl", "genrsa", "-out", str(keys / "sa.key"), "2048"], check=True, capture_output=True)
    subprocess.run(
        ["openssl", "rsa", "-in", str(keys / "sa.key"), "-pubout", "-out", str(keys / "sa.pub")],
        check=True,
        capture_output=True,
    )
    (keys / "tokens.csv").write_text(f'{ADMIN_TOKEN},e2e-admin,1,"system:masters"\n{READER_TOKEN},{READER_USER},2\n')
    etcd = [
        str(bin_dir / "etcd"),
        f"--data-dir={folder / 'etcd'}",
        f"--listen-client-urls=http://127.0.0.1:{client}",
        f"--advertise-client-urls=http://127.0.0.1:{client}",
        f"--listen-peer-urls=http://127.0.0.1:{peer}",
        f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
        f"--initial-cluster=default=http://127.0.0.1:{peer}",
    ]
    certs = folder / "certs"
    apiserver = [
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
    ]
    server = f"https://127.0.0.1:{secure}"
    # Readiness is asked before the CA is known: the server makes its self-signed certificate
    # as it starts. The clients then verify against that certificate.
    unverified = ssl.create_default_context()
    unverified.check_hostname, unverified.verify_mode = False, ssl.CERT_NONE
    processes = [start_server(etcd, f"http://127.0.0.1:{client}/health", folder / "etcd.log", STARTUP_TIMEOUT)]
    try:
        processes.append(
            start_server(
                apiserver,
                f"{server}/readyz",
                folder / "kube-apiserver.log",
                STARTUP_TIMEOUT,
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                context=unverified,
            )
        )
        yield ControlPlane(server=server, ca_file=certs / "apiserver.crt")
    finally:
        for process in reversed(processes):
            stop_server(process)
