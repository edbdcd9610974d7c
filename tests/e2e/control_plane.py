"""A real Kubernetes control plane on loopback for `make e2e`: etcd and kube-apiserver, built
by tools/control-plane/build.sh, started with a temporary data folder and stopped afterwards.

`running` starts no controllers: the API server stores and serves objects, checks them against
its own schemas, authenticates tokens and authorizes with RBAC, and the tests write what
controllers would (a Deployment's ready replicas, a Job's outcome, EndpointSlices) through the
status subresources. `controlling` adds kube-controller-manager, kube-scheduler and kwok, for
`pulumi up`, which waits for all of that to happen.
"""

from __future__ import annotations

import contextlib
import copy
import os
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

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
    service_account_key: Path  # signs ServiceAccount tokens (kube-controller-manager needs it)

    def kubeconfig(self, path: Path, context: str, token: str) -> Path:
        """A kubeconfig whose one (current) context reaches this API server with `token`."""
        return write_kubeconfig(path, self.server, context, token, self.ca_file)


def binaries() -> Path:
    """Where tools/control-plane/build.sh put the control plane (`make e2e` sets it)."""
    folder = os.environ.get("NOVA_CONTROL_PLANE_BIN")
    if not folder or not (Path(folder) / "kube-apiserver").exists():
        raise RuntimeError("NOVA_CONTROL_PLANE_BIN names no built control plane: run `make e2e`")
    return Path(folder)


def unverified() -> ssl.SSLContext:
    """For readiness probes only: each server makes its self-signed certificate as it starts."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


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
    processes = [start_server(etcd, f"http://127.0.0.1:{client}/health", folder / "etcd.log", STARTUP_TIMEOUT)]
    try:
        processes.append(
            start_server(
                apiserver,
                f"{server}/readyz",
                folder / "kube-apiserver.log",
                STARTUP_TIMEOUT,
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                context=unverified(),
            )
        )
        yield ControlPlane(server=server, ca_file=certs / "apiserver.crt", service_account_key=keys / "sa.key")
    finally:
        for process in reversed(processes):
            stop_server(process)


FAKE_NODE_ANNOTATION = "kwok.x-k8s.io/node"
ZONES = ("zone-a", "zone-b", "zone-c")


def fake_node(zone: str) -> dict[str, object]:
    """A node that kwok runs pods on without a kubelet: it marks them ready with an address,
    and completes those of Jobs (kwok's default `fast` stages)."""
    capacity = {"cpu": "32", "memory": "256Gi", "pods": "110"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": f"kwok-{zone}",
            "annotations": {FAKE_NODE_ANNOTATION: "fake"},
            "labels": {
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": f"kwok-{zone}",
                "topology.kubernetes.io/zone": zone,
                "type": "kwok",
            },
        },
        "status": {"capacity": capacity, "allocatable": capacity},
    }


FAILING_TAG = "0.9.2-bad"
"""A tag whose analysis fails under kwok: the pods of an analysis Job annotated as analysing it
end Failed (exit 1) instead of Succeeded, as a real analysis that saw errors would."""
FAILING = {
    # The analysis of FAILING_TAG, and every analysis that only reports (a rollback's): the
    # incident that hurts both colours, which must not fail the rollback's `pulumi up`.
    "pod-fail-analysis": ('.metadata.annotations["nova.social/analysed-tag"]', FAILING_TAG),
    "pod-fail-report-only": (".spec.containers.[].args.[]", "--report-only"),
}


def stages(release: Path, target: Path) -> Path:
    """kwok's release stages, with `pod-complete` leaving out the pods that FAILING names, and a
    stage of our own for each that fails them instead (exit 1, phase Failed)."""
    documents = [document for document in yaml.safe_load_all(release.read_text()) if document]
    (complete,) = [document for document in documents if document["metadata"]["name"] == "pod-complete"]
    base = complete["spec"]["selector"]["matchExpressions"]
    failing = []
    for name, (key, value) in FAILING.items():
        stage = copy.deepcopy(complete)
        stage["metadata"]["name"] = name
        stage["spec"]["selector"]["matchExpressions"] = [*base, {"key": key, "operator": "In", "values": [value]}]
        stage["spec"]["next"]["statusTemplate"] = (
            stage["spec"]["next"]["statusTemplate"]
            .replace("exitCode: 0", "exitCode: 1")
            .replace("reason: Completed", "reason: Error")
            .replace("phase: Succeeded", "phase: Failed")
        )
        failing.append(stage)
    complete["spec"]["selector"]["matchExpressions"] = [
        *base,
        *({"key": key, "operator": "NotIn", "values": [value]} for key, value in FAILING.values()),
    ]
    target.write_text(yaml.safe_dump_all([*documents, *failing], sort_keys=False))
    return target


@contextlib.contextmanager
def controlling(plane: ControlPlane, folder: Path) -> Iterator[list[dict[str, object]]]:
    """kube-controller-manager, kube-scheduler and kwok against `plane`, so that Deployments roll
    out, Services get endpoints and Jobs complete as in a cluster; yields the fake nodes to
    create (kwok manages only those). All three stopped after."""
    bin_dir = binaries()
    folder.mkdir(parents=True)
    kubeconfig = plane.kubeconfig(folder / "kubeconfig", "controllers", ADMIN_TOKEN)
    manager, scheduler, kwok = free_ports(3)
    commands = [
        (
            [
                str(bin_dir / "kube-controller-manager"),
                f"--kubeconfig={kubeconfig}",
                "--leader-elect=false",
                "--bind-address=127.0.0.1",
                f"--secure-port={manager}",
                f"--cert-dir={folder / 'controller-manager'}",
                f"--service-account-private-key-file={plane.service_account_key}",
                f"--root-ca-file={plane.ca_file}",
                "--cluster-name=nova-e2e",
            ],
            f"https://127.0.0.1:{manager}/healthz",
            "kube-controller-manager.log",
        ),
        (
            [
                str(bin_dir / "kube-scheduler"),
                f"--kubeconfig={kubeconfig}",
                "--leader-elect=false",
                "--bind-address=127.0.0.1",
                f"--secure-port={scheduler}",
                f"--cert-dir={folder / 'scheduler'}",
            ],
            f"https://127.0.0.1:{scheduler}/healthz",
            "kube-scheduler.log",
        ),
        (
            [
                str(bin_dir / "kwok"),
                f"--kubeconfig={kubeconfig}",
                # kwok's own stages (tools/control-plane/build.sh): nodes become ready, pods
                # ready with an address, and a Job's pods succeed, but for a failing analysis.
                f"--config={stages(bin_dir / 'kwok-stages.yaml', folder / 'kwok-stages.yaml')}",
                "--manage-all-nodes=false",
                f"--manage-nodes-with-annotation-selector={FAKE_NODE_ANNOTATION}=fake",
                "--cidr=10.244.0.0/16",
                "--node-ip=10.240.0.1",
                f"--server-address=127.0.0.1:{kwok}",
            ],
            f"http://127.0.0.1:{kwok}/healthz",
            "kwok.log",
        ),
    ]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for command, ready_url, log in commands:
            processes.append(start_server(command, ready_url, folder / log, STARTUP_TIMEOUT, context=unverified()))
        yield [fake_node(zone) for zone in ZONES]
    finally:
        for process in reversed(processes):
            stop_server(process)
