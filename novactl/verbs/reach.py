"""`novactl reach STACK FROM TO:PORT`: may FROM open a connection to TO on PORT, by the
NetworkPolicies the stack renders, and which policy allows or denies it. What an SRE asks when a
call times out: exit 0 when every pod of FROM reaches every pod of TO, 1 when one does not.

FROM and TO: `[NAMESPACE/]NAME` of a Service (each workload behind it; PORT is the Service's
port, number or name) or of a workload (PORT a container port, number or name); an IP address
(a load balancer, an AWS endpoint); or `NAMESPACE/key=value,...` for a pod the render does not
hold (a chart's: `monitoring/app.kubernetes.io/name=prometheus`). NAMESPACE defaults to the
stack's. The answer is the policies' (novactl/kube/netpol.py), not a probe of a live cluster.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from novactl.errors import EXIT_FAILED, EXIT_OK
from novactl.kube.endpoints import namespace_labels, resolve, target_port
from novactl.kube.netpol import Cluster, Direction, Verdict
from novactl.stack.files import StackError

PROTOCOLS = ("TCP", "UDP", "SCTP")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack")
    parser.add_argument(
        "source", metavar="FROM", help="Service, workload, IP address or NAMESPACE/key=value,... labels"
    )
    parser.add_argument("destination", metavar="TO:PORT", help="the same, and the port (a number or a name)")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="TCP")
    parser.add_argument("--json", action="store_true", help="each connection as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    from novactl.engine.render import render_stack  # noqa: PLC0415 - the SDK only when it runs

    destination_text, colon, port = args.destination.rpartition(":")
    if not colon or not destination_text or not port:
        raise StackError(f"{args.destination}: expected TO:PORT (feed-service:8080, feed-service:http)")
    rendered = render_stack(project_dir, args.stack, placeholder_secrets=True)
    documents = rendered.manifests()
    namespace = rendered.platform.namespace
    cluster = Cluster(documents, namespace_labels(documents))
    source = resolve(args.source, documents, namespace)
    destination = resolve(destination_text, documents, namespace)
    container_port = target_port(destination, port)
    connections = []
    for source_name, source_peer in source.peers:
        for destination_name, destination_peer in destination.peers:
            try:
                verdict = cluster.explain(source_peer, destination_peer, container_port, args.protocol)
            except ValueError as error:  # a port name the destination's containers do not have
                raise StackError(f"{args.destination}: {destination_name}: {error}") from None
            connections.append((source_name, destination_name, verdict))
    if args.json:
        print(json.dumps([_record(*connection, args.protocol) for connection in connections], indent=2))
    else:
        for source_name, destination_name, verdict in connections:
            sides = [f"{name}: {side.describe()}" for name, side in _sides(verdict) if side is not None]
            word = "ALLOWED" if verdict.allowed else "DENIED "
            print(f"{word} {source_name} -> {destination_name}:{verdict.port}/{args.protocol}  ({'; '.join(sides)})")
    return EXIT_OK if all(verdict.allowed for _, _, verdict in connections) else EXIT_FAILED


def _sides(verdict: Verdict) -> tuple[tuple[str, Direction | None], ...]:
    return (("egress", verdict.egress), ("ingress", verdict.ingress))


def _record(source: str, destination: str, verdict: Verdict, protocol: str) -> dict[str, object]:
    record: dict[str, object] = {
        "from": source,
        "to": destination,
        "port": verdict.port,
        "protocol": protocol,
        "allowed": verdict.allowed,
    }
    for name, side in _sides(verdict):
        record[name] = (
            None
            if side is None
            else {"allowed": side.allowed, "isolatedBy": list(side.isolated_by), "admittedBy": side.admitted_by}
        )
    return record
