"""Each guardrail on a happy-path fixture, and with one field changed to violate it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from components.builders import bluegreen as build
from components.builders.aws import tls_only_bucket_policy
from components.builders.core import secret
from policies.rules import Resource, Violation, evaluate
from policies.rules.registry import POLICIES

NS = "nova-test"
BY_NAME = {policy.name: policy for policy in POLICIES}


def k8s(kind: str, manifest: dict[str, Any]) -> Resource:
    group, version = manifest["apiVersion"].rpartition("/")[::2]
    type_ = f"kubernetes:{group or 'core'}/{version}:{kind}"
    return Resource(type_, manifest["metadata"]["name"], f"urn:{type_}::{manifest['metadata']['name']}", manifest)


def violations(policy: str, resources: list[Resource]) -> list[Violation]:
    return evaluate([BY_NAME[policy]], resources)


@pytest.fixture
def blue_green(make_spec) -> list[Resource]:
    """One service the way the platform builds it: both colours, PDBs, Services, smoke test."""
    spec = make_spec(active="green")
    resources = [k8s("Service", build.active_service(spec, NS))]
    for color in ("blue", "green"):
        resources.append(k8s("Deployment", build.deployment(spec, color, NS, f"registry.example.com/x:{color}-1")))
        resources.append(k8s("Service", build.color_service(spec, color, NS)))
        resources.append(k8s("PodDisruptionBudget", build.pod_disruption_budget(spec, color, NS)))
        resources.append(k8s("Job", build.smoke_test_job(spec, color, NS, "curlimages/curl:8.16.0")))
    return resources


def edit(
    resources: list[Resource], name: str, type_suffix: str, change: Callable[[dict[str, Any]], None]
) -> list[Resource]:
    """The resources with one of them changed by `change` (on a deep copy of its props)."""
    result = []
    for resource in resources:
        if resource.name == name and resource.type.endswith(type_suffix):
            props = copy.deepcopy(dict(resource.props))
            change(props)
            result.append(Resource(resource.type, resource.name, resource.urn, props))
        else:
            result.append(resource)
    return result


def container(props: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = props["spec"]["template"]["spec"]["containers"][0]
    return result


MANDATORY = [policy.name for policy in POLICIES if policy.enforcement == "mandatory"]


def test_the_platforms_own_objects_pass_every_mandatory_policy(blue_green):
    assert [v for v in evaluate(POLICIES, blue_green) if v.enforcement == "mandatory"] == []


@pytest.mark.parametrize(
    ("policy", "target", "change", "expected"),
    [
        (
            "pinned-images",
            ("feed-service-blue", "Deployment"),
            lambda p: container(p).update(image="feed:latest"),
            "tagged latest",
        ),
        (
            "pinned-images",
            ("feed-service-blue", "Deployment"),
            lambda p: container(p).update(image="registry/feed"),
            "has no tag",
        ),
        (
            "probes-and-requests",
            ("feed-service-blue", "Deployment"),
            lambda p: container(p).pop("readinessProbe"),
            "no readinessProbe",
        ),
        (
            "probes-and-requests",
            ("feed-service-blue", "Deployment"),
            lambda p: container(p).pop("livenessProbe"),
            "no livenessProbe",
        ),
        (
            "probes-and-requests",
            ("feed-service-blue", "Deployment"),
            lambda p: container(p)["resources"]["requests"].pop("cpu"),
            "no cpu request",
        ),
        (
            "probes-and-requests",
            ("feed-service-blue", "Deployment"),
            lambda p: container(p)["resources"]["limits"].pop("memory"),
            "no memory limit",
        ),
        (
            "pod-security",
            ("feed-service-blue", "Deployment"),
            lambda p: container(p)["securityContext"].update(privileged=True),
            "privileged",
        ),
        (
            "pod-security",
            ("feed-service-blue", "Deployment"),
            lambda p: container(p)["securityContext"].update(allowPrivilegeEscalation=True),
            "escalate",
        ),
        (
            "pod-security",
            ("feed-service-blue", "Deployment"),
            lambda p: container(p)["securityContext"].update(runAsNonRoot=False),
            "as root",
        ),
        (
            "topology-spread",
            ("feed-service-blue", "Deployment"),
            lambda p: p["spec"]["template"]["spec"].pop("topologySpreadConstraints"),
            "topologySpreadConstraints",
        ),
        (
            "blue-green-integrity",
            ("feed-service", "Service"),
            lambda p: p["spec"]["selector"].pop("nova.social/color"),
            "selects both colours",
        ),
        (
            "blue-green-integrity",
            ("feed-service-green", "Deployment"),
            lambda p: p["spec"].update(replicas=0),
            "scaled to zero",
        ),
        (
            "blue-green-integrity",
            ("feed-service-blue", "PodDisruptionBudget"),
            lambda p: p["spec"]["selector"]["matchLabels"].update({"nova.social/color": "purple"}),
            "has no PodDisruptionBudget",
        ),
        (
            "blue-green-integrity",
            ("feed-service", "Service"),
            lambda p: p["spec"]["selector"].update({"nova.social/color": "purple"}),
            "has no Deployment",
        ),
        (
            "blue-green-integrity",
            ("feed-service-blue", "PodDisruptionBudget"),
            lambda p: p["spec"]["selector"]["matchLabels"].pop("app.kubernetes.io/component"),
            "selects the pods of Job feed-service-blue",
        ),
        (
            "blue-green-integrity",
            ("feed-service-green", "Service"),
            lambda p: p["spec"]["selector"].pop("app.kubernetes.io/component"),
            "selects the pods of Job feed-service-green",
        ),
    ],
)
def test_one_changed_field_violates_the_policy(blue_green, policy, target, change, expected):
    name, kind = target
    assert violations(policy, blue_green) == []
    found = violations(policy, edit(blue_green, name, f":{kind}", change))
    assert found, f"{policy} missed the change"
    assert any(expected in v.message for v in found), [v.message for v in found]
    assert {v.policy for v in found} == {policy}


def test_an_idle_color_scaled_to_zero_is_fine_while_no_active_service_routes_to_it(make_spec):
    spec = make_spec(active="green", idle="scale-to-zero")
    resources = [k8s("Service", build.active_service(spec, NS))]
    for color in ("blue", "green"):
        resources.append(k8s("Deployment", build.deployment(spec, color, NS, f"registry.example.com/x:{color}-1")))
        resources.append(k8s("Service", build.color_service(spec, color, NS)))
        resources.append(k8s("PodDisruptionBudget", build.pod_disruption_budget(spec, color, NS)))
    assert violations("blue-green-integrity", resources) == []
    flipped = edit(
        resources, "feed-service", ":Service", lambda p: p["spec"]["selector"].update({"nova.social/color": "blue"})
    )
    (found,) = violations("blue-green-integrity", flipped)
    assert "Deployment feed-service-blue, which is scaled to zero" in found.message


def test_an_admin_binding_for_a_service_account_violates_and_one_for_a_group_does_not():
    binding: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "metadata": {"name": "ci"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "argocd"}],
    }
    assert violations("no-admin-service-accounts", [k8s("ClusterRoleBinding", binding)]) == []
    binding["roleRef"]["name"] = "cluster-admin"
    (found,) = violations("no-admin-service-accounts", [k8s("ClusterRoleBinding", binding)])
    assert "gives cluster-admin to ServiceAccount 'ci'" in found.message
    binding["subjects"] = [{"kind": "Group", "name": "sre"}]
    assert violations("no-admin-service-accounts", [k8s("ClusterRoleBinding", binding)]) == []


def test_the_advisory_speaks_only_when_a_cpu_limit_appears(blue_green):
    # The platform's own workloads follow the documented choice: the advisory is silent on them.
    assert violations("no-cpu-limits", blue_green) == []
    limited = edit(
        blue_green, "feed-service-blue", ":Deployment", lambda p: container(p)["resources"]["limits"].update(cpu="1")
    )
    (found,) = violations("no-cpu-limits", limited)
    assert (found.resource, found.enforcement) == ("feed-service-blue", "advisory")
    assert "CPU limit 1" in found.message


def aws(type_: str, name: str, props: dict[str, Any]) -> Resource:
    return Resource(type_, name, f"urn:{type_}::{name}", props)


def bucket_resources(**overrides: Any) -> list[Resource]:
    block = {"bucket": "logs", "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True}
    block["restrictPublicBuckets"] = True
    block.update(overrides)
    return [
        aws("aws:s3/bucket:Bucket", "logs", {"bucket": "logs"}),
        aws("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "logs", block),
        aws(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "logs",
            {"bucket": "logs", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]},
        ),
        aws(
            "aws:s3/bucketPolicy:BucketPolicy",
            "logs",
            {"bucket": "logs", "policy": json.dumps(tls_only_bucket_policy("arn:aws:s3:::logs"))},
        ),
        aws(
            "aws:s3/bucketVersioning:BucketVersioning",
            "logs",
            {"bucket": "logs", "versioningConfiguration": {"status": "Enabled"}},
        ),
    ]


def test_buckets_must_be_encrypted_and_closed_to_the_public():
    assert violations("s3-encrypted-and-private", bucket_resources()) == []
    (found,) = violations("s3-encrypted-and-private", bucket_resources(restrictPublicBuckets=False))
    assert "not closed to the public" in found.message
    (found,) = violations("s3-encrypted-and-private", [*bucket_resources()[:2], *bucket_resources()[3:]])
    assert "no default encryption" in found.message
    (found,) = violations("s3-encrypted-and-private", [*bucket_resources()[:3], bucket_resources()[4]])
    assert "takes plain HTTP" in found.message
    (found,) = violations("s3-encrypted-and-private", bucket_resources()[:4])
    assert "is not versioned" in found.message


def test_iam_may_not_allow_every_action_on_every_resource():
    def policy(action: Any, resource: Any) -> Resource:
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}
        return aws("aws:iam/rolePolicy:RolePolicy", "loki", {"policy": json.dumps(document)})

    assert violations("iam-no-star-on-star", [policy(["s3:GetObject"], ["arn:aws:s3:::logs/*"])]) == []
    assert violations("iam-no-star-on-star", [policy("s3:*", "arn:aws:s3:::logs")]) == []
    (found,) = violations("iam-no-star-on-star", [policy("*", ["*"])])
    assert "every action on every resource" in found.message


def rule(alert: str, severity: str | None, summary: str | None = "it broke") -> dict[str, Any]:
    labels = {"severity": severity} if severity else {}
    annotations = {"summary": summary} if summary else {}
    return {"alert": alert, "expr": "up == 0", "labels": labels, "annotations": annotations}


def prometheus_rule(*rules: dict[str, Any]) -> Resource:
    return k8s(
        "PrometheusRule",
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "metadata": {"name": "nova-alerts"},
            "spec": {"groups": [{"name": "nova", "rules": [{"record": "x:y", "expr": "1"}, *rules]}]},
        },
    )


def test_alerts_need_a_known_severity_and_a_summary():
    assert violations("alerts-labelled", [prometheus_rule(rule("Down", "critical"))]) == []
    (found,) = violations("alerts-labelled", [prometheus_rule(rule("Down", "page"))])
    assert "severity 'page'" in found.message
    (found,) = violations("alerts-labelled", [prometheus_rule(rule("Down", None))])
    assert "severity None" in found.message
    (found,) = violations("alerts-labelled", [prometheus_rule(rule("Down", "warning", summary=None))])
    assert "no summary" in found.message


def alertmanager_secret(*severities: str) -> Resource:
    config = {
        "route": {
            "receiver": "default",
            "routes": [{"receiver": "r", "matchers": [f'severity="{severity}"']} for severity in severities],
        },
        "receivers": [{"name": "default"}, {"name": "r"}],
    }
    return k8s("Secret", secret("alertmanager-nova", "monitoring", {"alertmanager.yaml": yaml.safe_dump(config)}))


def test_every_used_severity_needs_a_route():
    alerts = prometheus_rule(rule("Down", "critical"), rule("Slow", "warning"))
    assert violations("severities-routed", [alerts, alertmanager_secret("critical", "warning")]) == []
    (found,) = violations("severities-routed", [alerts, alertmanager_secret("critical")])
    assert "severity 'warning'" in found.message


@pytest.mark.parametrize(
    ("version", "ok"),
    [("81.6.2", True), ("v1.2.3", True), ("", False), ("^1.2.0", False), ("1.x", False), (None, False)],
)
def test_helm_releases_pin_an_exact_chart_version(version, ok):
    release = aws("kubernetes:helm.sh/v3:Release", "loki", {"chart": "loki", "version": version})
    assert (violations("helm-chart-pinned", [release]) == []) is ok


@pytest.mark.parametrize(("project", "ok"), [("nova", True), ("default", False), (None, False)])
def test_applications_stay_out_of_the_default_project(project, ok):
    application = k8s(
        "Application",
        {"apiVersion": "argoproj.io/v1alpha1", "metadata": {"name": "nova-staging"}, "spec": {"project": project}},
    )
    assert (violations("argocd-not-default-project", [application]) == []) is ok


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        ({"LOG_LEVEL": "info", "grafana.passwordKey": "admin-password", "existingSecret": "x"}, True),
        ({"ALERT_URL": "https://hooks.slack.com/services/T000/B000/XXXXXXXX"}, False),
        ({"SLACK_TOKEN": "xoxb-1234567890-abcdefghij"}, False),
        ({"db.password": "hunter2"}, False),
        ({"AWS_KEY": "AKIAIOSFODNN7EXAMPLE"}, False),
    ],
)
def test_config_maps_hold_no_secret_material(data, ok):
    config_map = k8s("ConfigMap", {"apiVersion": "v1", "metadata": {"name": "app"}, "data": data})
    assert (violations("no-plaintext-secrets", [config_map]) == []) is ok
    as_secret = k8s("Secret", secret("app", NS, data))
    assert violations("no-plaintext-secrets", [as_secret]) == [], "a Secret is where they belong"


def test_secret_material_in_helm_values_is_caught_too():
    release = aws(
        "kubernetes:helm.sh/v3:Release",
        "influxdb",
        {"chart": "influxdb2", "version": "2.1.2", "values": {"adminUser": {"token": "s3cr3t-t0ken"}}},
    )
    (found,) = violations("no-plaintext-secrets", [release])
    assert "values.adminUser.token" in found.message


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every field path of a manifest, lists by index."""
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    found = []
    for key, child in children:
        found.append((*prefix, key))
        found += _paths(child, (*prefix, key))
    return found


def test_no_policy_raises_on_a_field_of_the_wrong_type(blue_green):
    """Under `pulumi preview` a policy that raises fails the whole pack with a traceback; a field
    of the wrong type must be reported by the API server's validation, not crash a policy."""
    for index, resource in enumerate(blue_green):
        for path in _paths(resource.props):
            wrongs: tuple[Any, ...] = ("x", None, [])
            for wrong in wrongs:
                props = copy.deepcopy(dict(resource.props))
                node = props
                for step in path[:-1]:
                    node = node[step]
                node[path[-1]] = wrong
                changed = [*blue_green[:index], Resource(resource.type, resource.name, resource.urn, props)]
                evaluate(POLICIES, [*changed, *blue_green[index + 1 :]])  # raises on a crash
