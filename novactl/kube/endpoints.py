"""Who is who in a rendered stack, as the NetworkPolicies see it: the pods of a workload or of
a Service, a pod given by its labels, an address outside the cluster; and the container port a
Service port leads to. What `novactl reach` resolves its FROM and TO with.

A Service's pods are the workloads in its namespace whose pod template its selector selects
(both colours behind a routing Service during a canary, one colour otherwise), and a Service port
leads to its targetPort (a number or a container port's name; the port itself when left out),
as kube-proxy routes it.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from novactl.errors import UsageError
from novactl.kube.netpol import External, Peer, Pod, selects

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")
NAMESPACE_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")  # an RFC 1123 label, as the API server checks


@dataclass(frozen=True)
class Endpoint:
    """One end of a connection: what the user named, and the peers it stands for (a Service
    stands for each of its workloads' pods)."""

    name: str
    peers: tuple[tuple[str, Peer], ...]  # (what it is, the peer)
    service: Mapping[str, Any] | None = None  # the Service when a Service was named


def workload_pods(documents: Sequence[Mapping[str, Any]]) -> dict[str, Pod]:
    """`namespace/name` -> a pod of each workload, as its pod template labels and names its ports."""
    found = {}
    for document in documents:
        if document.get("kind") not in WORKLOAD_KINDS:
            continue
        template = document["spec"]["template"]
        ports = {
            port["name"]: port["containerPort"]
            for container in template["spec"]["containers"]
            for port in container.get("ports") or []
            if port.get("name")
        }
        metadata = document["metadata"]
        found[f"{metadata['namespace']}/{metadata['name']}"] = Pod(
            metadata["namespace"], template["metadata"].get("labels") or {}, ports=ports
        )
    return found


def namespace_labels(documents: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """The labels of the namespaces the render creates (namespaceSelectors may read them)."""
    return {
        str(document["metadata"]["name"]): dict(document["metadata"].get("labels") or {})
        for document in documents
        if document.get("kind") == "Namespace"
    }


def resolve(text: str, documents: Sequence[Mapping[str, Any]], namespace: str) -> Endpoint:
    """`10.0.0.5`, `NAMESPACE/key=value[,key=value]`, or `[NAMESPACE/]NAME` of a Service or a
    workload in the render (NAMESPACE defaults to the stack's)."""
    try:
        ipaddress.ip_address(text)
        return Endpoint(text, ((text, External(text)),))
    except ValueError:
        pass
    where, slash, name = text.partition("/")
    if "=" in text:  # NAMESPACE/ always comes first here: a label key may hold a slash itself
        if not slash or not NAMESPACE_NAME.fullmatch(where):
            raise UsageError(f"{text}: labels need their namespace first: NAMESPACE/key=value[,key=value]")
        labels = dict(_label(item, text) for item in name.split(","))
        return Endpoint(text, ((text, Pod(where, labels)),))
    where, name = (where, name) if slash else (namespace, text)
    pods = workload_pods(documents)
    services = {
        document["metadata"]["name"]: document
        for document in documents
        if document.get("kind") == "Service" and document["metadata"].get("namespace") == where
    }
    if name in services:
        service = services[name]
        selector = {"matchLabels": service["spec"].get("selector") or {}}
        backing = tuple(
            (key.split("/", 1)[1], pod)
            for key, pod in sorted(pods.items())
            if pod.namespace == where and service["spec"].get("selector") and selects(selector, pod.labels)
        )
        if not backing:
            raise UsageError(f"{text}: Service {where}/{name} selects no workload of the render")
        return Endpoint(text, backing, service)
    if f"{where}/{name}" in pods:
        return Endpoint(text, ((name, pods[f"{where}/{name}"]),))
    known = sorted({*services, *(key.split("/", 1)[1] for key in pods if key.startswith(f"{where}/"))})
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise UsageError(f"{text}: no Service or workload {name!r} in namespace {where} of the render{hint}")


def _label(item: str, text: str) -> tuple[str, str]:
    key, equals, value = item.partition("=")
    if not equals or not key:
        raise UsageError(f"{text}: expected key=value[,key=value] labels")
    return key, value


def target_port(endpoint: Endpoint, port: str) -> int | str:
    """The container port `port` of `endpoint` leads to: through the Service's ports when a
    Service was named, else the port itself (a number, or a container port's name)."""
    given: int | str = int(port) if port.isdigit() else port
    if endpoint.service is None:
        return given
    ports = endpoint.service["spec"].get("ports") or []
    for entry in ports:
        if given in (entry.get("port"), entry.get("name")):
            target = entry.get("targetPort", entry["port"])
            return int(target) if isinstance(target, int | float) else str(target)
    listed = ", ".join(f"{entry.get('name', '-')} {entry['port']}" for entry in ports) or "none"
    raise UsageError(f"{endpoint.name}:{port}: the Service has no such port (its ports: {listed})")
