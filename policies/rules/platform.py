"""Platform guardrails: blue/green integrity, alert rules and routes, Helm pins, ArgoCD, secrets."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import yaml

from components import conventions
from policies.rules import Policy, Resource, dig, items, mapping, strings
from policies.rules.kubernetes import DEPLOYMENT, JOB

SERVICE = "kubernetes:core/v1:Service"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SECRET = "kubernetes:core/v1:Secret"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application"
SEVERITIES = ("critical", "warning", "info")
ALERTMANAGER_KEY = "alertmanager.yaml"

_EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")
_SEVERITY_MATCHER = re.compile(r"""severity\s*(=~?)\s*"?([^"]+)"?""")
# Credentials that must only ever live in a Secret: conventions.SECRET_MATERIAL.
# Keys whose literal value is a credential (a reference such as existingSecret is fine).
_SECRET_KEYS = re.compile(r"(^|[._-])(password|passwd|token|secret|api[_-]?key|webhook[_-]?url)$", re.IGNORECASE)
_REFERENCE_SUFFIXES = ("Secret", "SecretName", "Key", "File", "_file", "Ref", "Name")


def _selector(resource: Resource) -> Mapping[str, Any]:
    if resource.type == SERVICE:
        return mapping(dig(resource.props, "spec", "selector"))
    return mapping(dig(resource.props, "spec", "selector", "matchLabels"))


def _pod_labels(deployment: Resource) -> Mapping[str, Any]:
    return mapping(dig(deployment.props, "spec", "template", "metadata", "labels"))


def _selects(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def blue_green_integrity(resources: Sequence[Resource]) -> Iterator[tuple[Resource, str]]:
    """Traffic only to a running colour, a PDB for every colour, no selector across colours."""
    deployments = [r for r in resources if r.type == DEPLOYMENT and conventions.LABEL_COLOR in _pod_labels(r)]
    blue_green = {str(_pod_labels(d).get(conventions.LABEL_NAME)) for d in deployments}
    pdbs = [r for r in resources if r.type == PDB]
    jobs = [r for r in resources if r.type == JOB]
    for deployment in deployments:
        if not any(_selects(_selector(pdb), _pod_labels(deployment)) for pdb in pdbs):
            yield deployment, f"Deployment {deployment.name} has no PodDisruptionBudget; add one for this colour"
    for resource in resources:
        if resource.type not in (SERVICE, PDB):
            continue
        selector = _selector(resource)
        kind = resource.type.split(":")[-1]
        for job in jobs:
            # A Service would send traffic to a Job's pod; a budget over one never lets a drain through.
            if _selects(selector, _pod_labels(job)):
                yield (
                    resource,
                    f"{kind} {resource.name} selects the pods of Job {job.name}; select the serving pods only "
                    f"({conventions.LABEL_COMPONENT}: {conventions.SERVER_COMPONENT})",
                )
        if str(selector.get(conventions.LABEL_NAME)) not in blue_green:
            continue
        if conventions.LABEL_COLOR not in selector:
            yield (
                resource,
                f"{kind} {resource.name} selects both colours; add {conventions.LABEL_COLOR} to its selector",
            )
            continue
        targets = [d for d in deployments if _selects(selector, _pod_labels(d))]
        if resource.type == SERVICE and not targets:
            yield (
                resource,
                (
                    f"Service {resource.name} routes to colour {selector[conventions.LABEL_COLOR]!r}, which has no "
                    "Deployment; give that colour a tag, or switch the Service back"
                ),
            )
        # The active Service is not labelled with a colour: it is the one whose selector moves.
        active = conventions.LABEL_COLOR not in mapping(dig(resource.props, "metadata", "labels"))
        for target in targets:
            if resource.type == SERVICE and active and dig(target.props, "spec", "replicas") == 0:
                yield (
                    resource,
                    (
                        f"Service {resource.name} routes to Deployment {target.name}, which is scaled to zero; "
                        "set idle: keep and roll it out before switching"
                    ),
                )


def alert_rules_labelled(resource: Resource) -> Iterator[str]:
    for group in items(dig(resource.props, "spec", "groups")):
        for rule in items(mapping(group).get("rules")):
            r = mapping(rule)
            if "alert" not in r:
                continue
            severity = mapping(r.get("labels")).get("severity")
            if severity not in SEVERITIES:
                yield (
                    f"alert {r['alert']} in {resource.name} has severity {severity!r}; "
                    f"label it severity: one of {', '.join(SEVERITIES)}"
                )
            if not mapping(r.get("annotations")).get("summary"):
                yield f"alert {r['alert']} in {resource.name} has no summary annotation; add one"


def _routed_severities(config: Mapping[str, Any]) -> set[str]:
    routed: set[str] = set()
    pending = items(mapping(config.get("route")).get("routes"))
    while pending:
        route = mapping(pending.pop())
        pending.extend(items(route.get("routes")))
        matchers = [str(m) for m in items(route.get("matchers"))]
        matchers += [f'{key}="{value}"' for key, value in mapping(route.get("match")).items()]
        matchers += [f'{key}=~"{value}"' for key, value in mapping(route.get("match_re")).items()]
        for matcher in matchers:
            found = _SEVERITY_MATCHER.fullmatch(matcher.strip())
            if found:
                operator, value = found.groups()
                routed.update(value.split("|") if operator == "=~" else [value])
    return routed


def severities_routed(resources: Sequence[Resource]) -> Iterator[tuple[Resource, str]]:
    """Each severity an alert uses has its own Alertmanager route."""
    configs = []
    for resource in resources:
        if resource.type == SECRET:
            text = mapping(resource.props.get("stringData")).get(ALERTMANAGER_KEY)
            if isinstance(text, str):
                configs.append((resource, mapping(yaml.safe_load(text))))
    if not configs:
        return
    routed = set().union(*(_routed_severities(config) for _, config in configs))
    for resource in resources:
        if resource.type != PROMETHEUS_RULE:
            continue
        used = {
            mapping(mapping(rule).get("labels")).get("severity")
            for group in items(dig(resource.props, "spec", "groups"))
            for rule in items(mapping(group).get("rules"))
            if "alert" in mapping(rule)
        }
        for severity in sorted(str(s) for s in used - routed if s):
            yield (
                resource,
                (
                    f"alerts of severity {severity!r} in {resource.name} match no Alertmanager route; "
                    f'add a route with matchers: [severity="{severity}"]'
                ),
            )


def chart_pinned(resource: Resource) -> Iterator[str]:
    version = resource.props.get("version")
    if not isinstance(version, str) or not _EXACT_VERSION.fullmatch(version):
        yield (
            f"Helm release {resource.name} installs chart {resource.props.get('chart')!r} at version {version!r}; "
            "pin an exact chart version"
        )


def application_project(resource: Resource) -> Iterator[str]:
    project = dig(resource.props, "spec", "project")
    if project in (None, "", "default"):
        yield f"Application {resource.name} is in the default project; use a locked-down AppProject"


def no_plaintext_secrets(resource: Resource) -> Iterator[str]:
    if resource.type == SECRET:
        return
    for path, text in strings(resource.props):
        leaf = re.split(r"[.\[]", path)[-1]
        if conventions.SECRET_MATERIAL.search(text):
            yield f"{resource.name}: {path} holds secret material; move it to a Secret (a Pulumi secret)"
        elif _SECRET_KEYS.search(leaf) and not leaf.endswith(_REFERENCE_SUFFIXES) and text.strip():
            yield f"{resource.name}: {path} sets a credential in plain text; reference a Secret instead"


POLICIES = (
    Policy(
        "blue-green-integrity",
        "Active Services route to a colour that is deployed and running; every colour has a PDB; "
        "no selector spans both colours; no Service or PDB selects a Job's pods.",
        "mandatory",
        stack_check=blue_green_integrity,
    ),
    Policy(
        "alerts-labelled",
        "Every alert has severity critical, warning or info, and a summary.",
        "mandatory",
        resource_check=alert_rules_labelled,
        types=(PROMETHEUS_RULE,),
    ),
    Policy(
        "severities-routed",
        "Every severity an alert uses has a matching Alertmanager route.",
        "mandatory",
        stack_check=severities_routed,
    ),
    Policy(
        "helm-chart-pinned",
        "Every Helm release pins an exact chart version.",
        "mandatory",
        resource_check=chart_pinned,
        types=(HELM_RELEASE,),
    ),
    Policy(
        "argocd-not-default-project",
        "ArgoCD Applications belong to a project other than default.",
        "mandatory",
        resource_check=application_project,
        types=(APPLICATION,),
    ),
    Policy(
        "no-plaintext-secrets",
        "No webhook URL, token, key or password in a ConfigMap or any other non-Secret input.",
        "mandatory",
        resource_check=no_plaintext_secrets,
    ),
)
