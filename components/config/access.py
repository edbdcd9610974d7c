"""What a service may reach and who may reach it from outside: `kubernetesApi`,
`aws.statements` (IAM through IRSA) and `ingress`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components import conventions
from components.config.fields import ConfigError, describe, mapping, objects, reject_unknown, string

# `service:Action`, with `*` wildcards inside the action part (IAM's own grammar).
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$")
_CERTIFICATE_ARN = re.compile(r"^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")


@dataclass(frozen=True)
class IamStatement:
    """One Allow statement of a service's IAM role."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    allow_escalation: tuple[str, ...] = ()  # escalating actions the stack file accepts by name

    def escalations(self) -> list[str]:
        """The escalating actions of the statement that the stack file did not accept by name."""
        return [action for action in escalations(self.actions) if action not in self.allow_escalation]


@dataclass(frozen=True)
class IngressSpec:
    """The way in from outside the cluster, to the service's routing Service."""

    host: str
    class_name: str | None  # None: the stack's default (alb on AWS, nginx locally)
    tls_secret: str | None  # a TLS Secret in the namespace (nginx)
    certificate_arn: str | None  # an ACM certificate (the AWS load balancer controller)
    annotations: Mapping[str, str]


def wildcards(actions: tuple[str, ...] | list[str], resources: tuple[str, ...] | list[str]) -> list[str]:
    """What in a statement grants more than it names: `*` actions (`*`, `s3:*`, `s3:Get*`)
    and a `*` anywhere in a resource (`*`, `arn:aws:s3:::*/*`, `...:table/*`), but for the
    object keys of one named S3 bucket (`arn:aws:s3:::media/*`: that bucket's objects).
    The policy pack's IAM rule reads statements through this too."""
    found = [f"action {action!r}" for action in actions if "*" in action]
    found += [f"resource {resource!r}" for resource in resources if _wild_resource(resource)]
    return found


_S3_OBJECTS = re.compile(r"arn:aws[a-z-]*:s3:::(?P<bucket>[a-z0-9.-]+)/.*")
# IAM actions that only read; every other iam: action can grant its caller more (a new policy,
# a key, a role to pass), as can assuming another role.
_IAM_READS = ("Get", "List", "Simulate", "Generate")
_ASSUME = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")


def _wild_resource(resource: str) -> bool:
    if "*" not in resource:
        return False
    return _S3_OBJECTS.fullmatch(resource) is None


def escalations(actions: tuple[str, ...] | list[str]) -> list[str]:
    """Actions that let a compromised pod raise its own privileges: `*`, IAM writes
    (`iam:*`, `iam:PutRolePolicy`, `iam:PassRole`, `iam:CreateAccessKey`, ...) and assuming
    other roles (`sts:AssumeRole*`)."""
    found = []
    for action in actions:
        service, _, verb = action.partition(":")
        if (
            action == "*"
            or action in _ASSUME
            or (service == "sts" and "*" in verb)
            or (service == "iam" and not verb.startswith(_IAM_READS))
        ):
            found.append(action)
    return found


def iam_statements(value: Any, key: str) -> tuple[IamStatement, ...]:
    """`aws.statements`: a list of `{actions, resources, conditions}` (Allow)."""
    statements = []
    for where, raw in objects(value, key, ("actions", "resources", "conditions", "allowEscalation"), non_empty=True):
        actions = _strings(raw.get("actions"), f"{where}.actions")
        for action in actions:
            if action != "*" and not _ACTION.fullmatch(action):
                raise ConfigError(f"{where}.actions", f"{action!r} is not an IAM action (service:Action)")
        resources = _strings(raw.get("resources"), f"{where}.resources")
        for resource in resources:
            if resource != "*" and not resource.startswith("arn:"):
                raise ConfigError(f"{where}.resources", f"{resource!r} is not an ARN")
        conditions = mapping(raw.get("conditions", {}), f"{where}.conditions")
        for operator, test in conditions.items():
            mapping(test, f"{where}.conditions.{operator}", "an object {conditionKey: value}")
        allowed = _strings(raw["allowEscalation"], f"{where}.allowEscalation") if "allowEscalation" in raw else []
        for action in allowed:
            if action not in actions:
                raise ConfigError(f"{where}.allowEscalation", f"{action!r} is not one of the statement's actions")
            if action not in escalations([action]):
                raise ConfigError(f"{where}.allowEscalation", f"{action!r} does not escalate; take it out")
        statements.append(IamStatement(tuple(actions), tuple(resources), dict(conditions), tuple(allowed)))
    return tuple(statements)


def ingress(value: Any, key: str) -> IngressSpec:
    """`ingress`: `host`, `className`, `tls.{secretName,certificateArn}`, `annotations`."""
    raw = mapping(value, key, "an object {host, className, tls, annotations}")
    reject_unknown(raw, ("host", "className", "tls", "annotations"), key)
    host = string(raw.get("host"), f"{key}.host")
    if not _HOST.fullmatch(host):
        raise ConfigError(f"{key}.host", f"{host!r} is not a DNS name (api.example.com)")
    tls = mapping(raw.get("tls", {}), f"{key}.tls")
    reject_unknown(tls, ("secretName", "certificateArn"), f"{key}.tls")
    secret = string(tls["secretName"], f"{key}.tls.secretName") if "secretName" in tls else None
    if secret is not None and not conventions.DNS_LABEL.fullmatch(secret):
        raise ConfigError(f"{key}.tls.secretName", f"{secret!r} is not a Secret name")
    certificate = string(tls["certificateArn"], f"{key}.tls.certificateArn") if "certificateArn" in tls else None
    if certificate is not None and not _CERTIFICATE_ARN.fullmatch(certificate):
        raise ConfigError(f"{key}.tls.certificateArn", f"{certificate!r} is not an ACM certificate ARN")
    annotations = mapping(raw.get("annotations", {}), f"{key}.annotations")
    for name, text in annotations.items():
        string(text, f"{key}.annotations.{name}")
    class_name = string(raw["className"], f"{key}.className") if "className" in raw else None
    return IngressSpec(host, class_name, secret, certificate, dict(annotations))


def _strings(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ConfigError(key, f"expected a non-empty list of strings, got {describe(value)}")
    return [string(item, f"{key}[{index}]") for index, item in enumerate(value)]
