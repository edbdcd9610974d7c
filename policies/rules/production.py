"""Production guardrails: what the config allows elsewhere but production must never run without.

- network policies on: the stack namespace denies by default (`networkPolicy.enabled`);
- the post-switch analysis on: no analysis Job only reports (`analysis.enabled: false`);
- ingress over TLS only: every Ingress terminates TLS and takes no plain HTTP.

The stack is read from the resources' URNs (`urn:pulumi:<stack>::<project>::...`), which the
engine and the offline recording both carry, so the pack needs no config of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from components import conventions
from components.builders.network import DENY_POLICY
from policies.rules import Policy, Resource, dig, items, mapping
from policies.rules.kubernetes import DEPLOYMENT, JOB

NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
CERTIFICATE_ANNOTATION = "alb.ingress.kubernetes.io/certificate-arn"
LISTEN_PORTS_ANNOTATION = "alb.ingress.kubernetes.io/listen-ports"
NGINX_SSL_REDIRECT = "nginx.ingress.kubernetes.io/ssl-redirect"


def stack_of(resource: Resource) -> str:
    """`staging` of `urn:pulumi:staging::nova-platform::...`."""
    head = resource.urn.split("::", 1)[0]
    return head.rsplit(":", 1)[-1]


def _tls_only(ingress: Resource) -> str | None:
    """Why an Ingress takes plain HTTP, or None when it serves TLS only."""
    annotations = mapping(dig(ingress.props, "metadata", "annotations"))
    if items(dig(ingress.props, "spec", "tls")):
        if str(annotations.get(NGINX_SSL_REDIRECT, "true")).lower() == "false":
            return "has TLS but ssl-redirect is off, so plain HTTP is served too"
        return None
    if annotations.get(CERTIFICATE_ANNOTATION):
        try:
            listeners = json.loads(str(annotations.get(LISTEN_PORTS_ANNOTATION, '[{"HTTP": 80}]')))
        except json.JSONDecodeError:
            return "has an unreadable listen-ports annotation"
        protocols = {protocol for listener in items(listeners) for protocol in mapping(listener)}
        return None if protocols == {"HTTPS"} else "listens on plain HTTP besides HTTPS"
    return "terminates no TLS (no spec.tls, no ACM certificate)"


def production_guardrails(resources: Sequence[Resource]) -> Iterator[tuple[Resource, str]]:
    workloads = [r for r in resources if r.type == DEPLOYMENT and stack_of(r) in conventions.STRICT_STACKS]
    if not workloads:
        return
    stack = stack_of(workloads[0])
    denied = {
        dig(r.props, "metadata", "namespace")
        for r in resources
        if r.type == NETWORK_POLICY and dig(r.props, "metadata", "name") == DENY_POLICY
    }
    for namespace in sorted({str(dig(r.props, "metadata", "namespace")) for r in workloads} - denied):
        yield workloads[0], f"{stack} runs without network policies in {namespace}; set networkPolicy.enabled true"
    for job in (r for r in resources if r.type == JOB):
        labels = mapping(dig(job.props, "spec", "template", "metadata", "labels"))
        if labels.get(conventions.LABEL_COMPONENT) != "analysis":
            continue
        for container in items(dig(job.props, "spec", "template", "spec", "containers")):
            if conventions.ANALYSIS_REPORT_ONLY in items(mapping(container).get("args")):
                yield job, f"{job.name} only reports on {stack}; the post-switch analysis must be able to fail"
    for ingress in (r for r in resources if r.type == INGRESS):
        problem = _tls_only(ingress)
        if problem:
            yield ingress, f"Ingress {ingress.name} {problem}; {stack} serves TLS only"


POLICIES = (
    Policy(
        "production-guardrails",
        "On production: network policies on, the post-switch analysis able to fail, every Ingress TLS only.",
        "mandatory",
        stack_check=production_guardrails,
    ),
)
