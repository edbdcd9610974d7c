"""Custom resources against their CRD schemas: the rendered CRs through tools/crd-check.

kubernetes-validate knows only the built-in kinds; every PrometheusRule, PodMonitor, AppProject
and Application goes through the kubernetes-models packages instead (pinned in
tools/crd-check/package-lock.json, installed by `make tools`), in one Node process per render,
for the objects it has not judged before in exactly this form (novactl/validate/passcache.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from novactl.validate.passcache import PassCache, file_digest

TOOL_DIR = Path(__file__).resolve().parents[2] / "tools" / "crd-check"
TIMEOUT = 300


@dataclass
class SchemaReport:
    """What the CRD check found: objects by outcome, and any failure of the tool itself."""

    valid: list[str] = field(default_factory=list)
    invalid: dict[str, list[str]] = field(default_factory=dict)  # object -> its errors
    unchecked: dict[str, str] = field(default_factory=dict)  # object -> "apiVersion kind"
    problem: str | None = None  # the tool could not run or could not load the models
    remembered: int = 0  # judged before in exactly this form (novactl/validate/passcache.py), not sent again


def is_custom_resource(manifest: dict[str, Any]) -> bool:
    """A kind from a CRD: its API group has a dot and is not one of Kubernetes's own (*.k8s.io)."""
    group = str(manifest.get("apiVersion", "")).rpartition("/")[0]
    return "." in group and not group.endswith(".k8s.io")


def check_custom_resources(objects: dict[str, dict[str, Any]], use_cache: bool = True) -> SchemaReport:
    """Validate `objects` (name -> manifest) against their CRD schemas, unknown fields included
    (without `use_cache`, every one of them, whatever passed before)."""
    report = SchemaReport()
    node = shutil.which("node")
    if node is None:
        report.problem = "node is not installed: `make tools` installs Node.js and the CRD models"
        return report
    if not (TOOL_DIR / "node_modules").is_dir():
        report.problem = f"the CRD models are not installed: run `make tools` (npm ci in {TOOL_DIR.name})"
        return report
    identity = f"crd-check {file_digest(TOOL_DIR / 'check.mjs', TOOL_DIR / 'package-lock.json')}"
    caches = {
        "valid": PassCache.default(identity, use_cache),
        "unchecked": PassCache.default(f"{identity} unchecked", use_cache),
    }
    contents = {name: json.dumps(manifest, sort_keys=True) for name, manifest in objects.items()}
    results = [_remembered(name, manifest, contents[name], caches) for name, manifest in objects.items()]
    pending = {name: objects[name] for name, result in zip(objects, results, strict=True) if result is None}
    report.remembered = len(objects) - len(pending)
    if pending:
        document = _run_node(node, pending)
        if isinstance(document, str):
            report.problem = document
            return report
        report.problem = "; ".join(document["problems"]) or None
        results += document["results"]
    for result in results:
        if result is None:
            continue
        if result["status"] == "valid":
            report.valid.append(result["name"])
        elif result["status"] == "invalid":
            report.invalid[result["name"]] = result["errors"]
        else:
            report.unchecked[result["name"]] = f"{result['apiVersion']} {result['kind']}"
        if report.problem is None and result["name"] in pending and result["status"] in caches:
            caches[result["status"]].remember(contents[result["name"]])
    return report


def _remembered(
    name: str, manifest: dict[str, Any], content: str, caches: dict[str, PassCache]
) -> dict[str, Any] | None:
    """An earlier judgement of exactly this object, in check.mjs's form, or None."""
    for status, cache in caches.items():
        if cache.passed(content):
            return {
                "name": name,
                "status": status,
                "apiVersion": manifest.get("apiVersion"),
                "kind": manifest.get("kind"),
            }
    return None


def _run_node(node: str, objects: dict[str, dict[str, Any]]) -> dict[str, Any] | str:
    """check.mjs's report on `objects`, or why it gave none."""
    payload = json.dumps([{"name": name, "manifest": manifest} for name, manifest in objects.items()])
    try:
        outcome = subprocess.run(
            [node, str(TOOL_DIR / "check.mjs")],
            input=payload,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"the CRD check did not finish within {TIMEOUT}s"
    try:
        document: dict[str, Any] = json.loads(outcome.stdout)
    except json.JSONDecodeError:
        return f"the CRD check failed (exit {outcome.returncode}): {outcome.stderr.strip()[-2000:]}"
    return document
