"""Validator passes remembered by content (novactl/validate/passcache.py), and a check that trusts them
only for exactly what passed."""

from __future__ import annotations

from pathlib import Path

import pytest

from novactl.engine.render import Rendered
from novactl.validate.check import check_rendered
from novactl.validate.crd_schemas import check_custom_resources
from novactl.validate.passcache import PassCache, cache_root


def test_a_pass_is_remembered_for_that_content_and_that_validator_only(tmp_path: Path):
    cache = PassCache("validator 1.0", tmp_path)
    assert not cache.passed("kind: Service")
    cache.remember("kind: Service")
    assert cache.passed("kind: Service")
    assert not cache.passed("kind: Service ")
    assert not PassCache("validator 1.1", tmp_path).passed("kind: Service")


def test_off_means_nothing_is_remembered(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("NOVACTL_CACHE_DIR", str(tmp_path))
    assert cache_root() == tmp_path
    monkeypatch.setenv("NOVACTL_CACHE", "off")
    assert cache_root() is None
    cache = PassCache.default("validator")
    cache.remember("x")
    assert not cache.passed("x")
    assert not any(tmp_path.iterdir())


def test_an_object_changed_after_a_pass_is_judged_again(rendered: dict[str, Rendered]):
    objects = {
        f"{item['kind']}/{item['metadata']['name']}": item
        for item in rendered["staging"].manifests()
        if item["kind"] == "PrometheusRule"
    }
    first = check_custom_resources(objects)
    assert first.problem is None
    assert not first.invalid
    again = check_custom_resources(objects)
    assert again.remembered == len(objects)
    assert sorted(again.valid) == sorted(first.valid)

    name, rule = next(iter(objects.items()))
    broken = {**rule, "spec": {**rule["spec"], "groups": [{"rules": "not a list"}]}}
    report = check_custom_resources({name: broken})
    assert report.remembered == 0
    assert name in report.invalid


def test_a_warm_check_still_fails_an_invalid_manifest(rendered: dict[str, Rendered]):
    check_rendered(rendered["dev"], progress=lambda line: None)  # every valid object passes, remembered
    recording = rendered["dev"].recording
    deployment = next(r for r in recording.resources if r.type == "kubernetes:apps/v1:Deployment")
    original = deployment.inputs["spec"]
    deployment.inputs["spec"] = {**original, "replicaz": 3}  # strict: an unknown field
    try:
        rerun = Rendered(rendered["dev"].config, recording)  # fresh caches of cleaned inputs
        report = check_rendered(rerun, progress=lambda line: None)
    finally:
        deployment.inputs["spec"] = original
    (validate,) = [check for check in report.checks if check.name == "kubernetes-validate"]
    assert not validate.passed
    assert "replicaz" in validate.output
    assert "passed before" in validate.summary


def test_without_the_cache_a_warm_check_validates_everything_again(rendered: dict[str, Rendered]):
    check_rendered(rendered["dev"], progress=lambda line: None)  # remembered
    warm = {check.name: check.summary for check in check_rendered(rendered["dev"], lambda line: None).checks}
    assert "(all passed before, unchanged)" in warm["kubernetes-validate"]
    assert "judged before, unchanged" in warm["crd-schemas"]
    cold = {c.name: c for c in check_rendered(rendered["dev"], lambda line: None, use_cache=False).checks}
    assert cold["kubernetes-validate"].passed
    assert "before" not in cold["kubernetes-validate"].summary, "--no-cache: every manifest checked again"
    assert "before" not in cold["crd-schemas"].summary
