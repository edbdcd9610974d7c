"""`novactl check`: every stack passes, and a planted violation fails it by name."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from novactl.validate.check import check_rendered
from tests.conftest import PROJECT_DIR, STACKS
from tests.support import novactl


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_passes_check(rendered, stack):
    report = check_rendered(rendered[stack], progress=lambda line: None)
    assert report.passed, report.as_dict()
    assert [check.name for check in report.checks] == [
        "policies",
        "nulls",
        "kubernetes-validate",
        "crd-schemas",
        "promtool",
        "amtool",
    ]
    assert all(v.enforcement == "advisory" for v in report.violations)


def check(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return novactl("check", "dev", *extra, cwd=project)


def plant(project: Path, path: str, old: str, new: str) -> None:
    file = project / path
    text = file.read_text()
    assert old in text, f"{path} no longer has {old!r}"
    file.write_text(text.replace(old, new, 1))


ADMIN_BINDING = """
import pulumi_kubernetes as _k8s

_k8s.rbac.v1.ClusterRoleBinding(
    "ci-admin",
    metadata={"name": "ci-admin"},
    role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
    subjects=[{"kind": "ServiceAccount", "name": "ci", "namespace": "argocd"}],
)
"""


def test_planted_violations_fail_check_and_are_named(project_copy):
    plant(
        project_copy,
        "components/bluegreen.py",
        "build.smoke_test_job(spec, color, namespace, config.smoke_test_image)",
        'build.smoke_test_job(spec, color, namespace, "curlimages/curl:latest")',
    )
    plant(project_copy, "components/builders/bluegreen.py", '"readinessProbe": _probe(spec, spec.readiness),', "")
    (project_copy / "__main__.py").write_text((project_copy / "__main__.py").read_text() + ADMIN_BINDING)

    result = check(project_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "FAIL  policies" in result.stdout
    assert "pinned-images  feed-service-blue-smoke" in result.stdout
    assert "tagged latest" in result.stdout
    assert "probes-and-requests  feed-service-blue: Deployment feed-service-blue" in result.stdout
    assert "no-admin-service-accounts  ci-admin: ci-admin gives cluster-admin to ServiceAccount 'ci'" in result.stdout
    assert result.stdout.strip().endswith("Result: FAILED")

    report = json.loads(check(project_copy, "--json").stdout)
    assert report["passed"] is False
    assert {v["policy"] for v in report["violations"] if v["enforcement"] == "mandatory"} == {
        "pinned-images",
        "probes-and-requests",
        "no-admin-service-accounts",
    }


def test_a_planted_unknown_field_in_a_custom_resource_fails_check(project_copy):
    # The API server would drop `relabellings` with a warning and scrape without the labels.
    plant(project_copy, "components/builders/scrape.py", '"relabelings": relabelings', '"relabellings": relabelings')
    result = check(project_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL  crd-schemas: 13 invalid;" in result.stdout
    assert "nova-dev/podmonitor.feed-service.yaml: /spec/podMetricsEndpoints/0/relabellings: unknown field" in (
        result.stdout
    )


def test_check_of_a_clean_stack_exits_zero_with_a_json_report():
    result = check(PROJECT_DIR, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["stack"] == "dev"
    assert report["passed"] is True
    assert {c["name"]: c["passed"] for c in report["checks"]} == {
        "policies": True,
        "nulls": True,
        "kubernetes-validate": True,
        "crd-schemas": True,
        "promtool": True,
        "amtool": True,
    }
