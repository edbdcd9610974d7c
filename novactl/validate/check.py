"""`novactl check`: render a stack, run the guardrails and the real validators over it.

The same rule functions as the policy pack (policies/rules), over the recorded resources;
then kubernetes-validate (built-in kinds), the CRD schema check (custom resources), promtool
and amtool over the rendered files.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from components.conventions import KUBERNETES_VERSION
from novactl.engine.program import Recording
from novactl.engine.render import Rendered, alertmanager_yaml, manifest_text, render_stack, write_files
from novactl.validate.crd_schemas import check_custom_resources, is_custom_resource
from novactl.validate.passcache import PassCache
from policies.rules import Resource, Violation, evaluate
from policies.rules.registry import POLICIES

TOOL_TIMEOUT = 600


@dataclass
class CheckResult:
    """One check: a policy run or a tool, passed or not, with what it said."""

    name: str
    passed: bool
    summary: str
    output: str = ""


@dataclass
class Report:
    stack: str
    checks: list[CheckResult] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    unset_secrets: list[str] = field(default_factory=list)  # `pulumi up` refuses until they are set

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "passed": self.passed,
            "checks": [asdict(check) for check in self.checks],
            "violations": [asdict(violation) for violation in self.violations],
            "unsetSecrets": self.unset_secrets,
        }


def resources(recording: Recording) -> list[Resource]:
    """The recorded registrations as the policy pack sees resources, by URN, so that the report
    lists violations in the same order on every run."""
    ordered = sorted(recording.resources, key=lambda r: r.urn)
    return [Resource(r.type, r.name, r.urn, r.inputs, tuple(r.dependencies)) for r in ordered]


def run_check(project_dir: Path, stack: str, progress: Callable[[str], None], use_cache: bool = True) -> Report:
    """Render `stack` (secrets as masked placeholders) and run every check over it (without
    `use_cache`, the validators check everything, whatever they passed before)."""
    progress(f"Rendering {stack} offline")
    return check_rendered(render_stack(project_dir, stack, placeholder_secrets=True), progress, use_cache)


def check_rendered(rendered: Rendered, progress: Callable[[str], None], use_cache: bool = True) -> Report:
    """Run the policies over a rendered stack, then the tools on the files they read."""
    report = Report(rendered.config.stack, unset_secrets=sorted(rendered.config.unset_secrets))
    progress(f"Running {len(POLICIES)} policies over {len(rendered.recording.resources)} resources")
    report.violations = evaluate(POLICIES, resources(rendered.recording))
    mandatory = [v for v in report.violations if v.enforcement == "mandatory"]
    advisory = len(report.violations) - len(mandatory)
    report.checks.append(
        CheckResult(
            "policies",
            not mandatory,
            f"{len(POLICIES)} policies: {len(mandatory)} mandatory violation(s), {advisory} advisory",
        )
    )
    report.checks.append(null_check(rendered.recording))
    with tempfile.TemporaryDirectory(prefix=f"novactl-check-{report.stack}-") as folder:
        report.checks.extend(_tool_checks(rendered, Path(folder), progress, use_cache))
    return report


def null_check(recording: Recording) -> CheckResult:
    """No input the program builds depends on a null: the provider never reads one (engine.nested_nulls)."""
    dropped = recording.null_inputs()
    if not dropped:
        return CheckResult("nulls", True, "no input sent as null")
    output = "\n".join(dropped)
    summary = f"{len(dropped)} input(s) sent as null, which the provider drops: leave the key out or replace the value"
    return CheckResult("nulls", False, summary, output)


def _tool_checks(
    rendered: Rendered, folder: Path, progress: Callable[[str], None], use_cache: bool
) -> list[CheckResult]:
    """kubernetes-validate, the CRD schemas, promtool and amtool, all at once: each is a process
    of its own, so on two cores they take about as long as the slowest of them. Each reads files
    `render` would write, and only those it reads are written (under `folder`)."""
    documents = rendered.manifest_files()
    custom = {str(path): doc for path, doc in documents.items() if is_custom_resource(doc)}
    built_in = {path: manifest_text(doc) for path, doc in documents.items() if not is_custom_resource(doc)}
    what = f"{len(built_in)} built-in manifests, Kubernetes {KUBERNETES_VERSION}, strict"
    rules = write_files(folder / "prometheus", rendered.rule_texts())
    runs: list[tuple[str, Callable[[], CheckResult]]] = [
        ("kubernetes-validate", lambda: _kubernetes_validate(built_in, folder / "manifests", what, use_cache)),
        ("crd-schemas", lambda: crd_schema_check(custom, use_cache)),
        (
            "promtool",
            lambda: _run_tool("promtool", ["promtool", "check", "rules", *map(str, rules)], f"{len(rules)} rule files"),
        ),
    ]
    alertmanager = alertmanager_yaml(rendered.recording, rendered.secret_values)
    if alertmanager is not None:
        (config,) = write_files(folder / "alertmanager", {"alertmanager.yaml": alertmanager})
        command = ["amtool", "check-config", str(config)]
        runs.append(("amtool", lambda: _run_tool("amtool", command, "the Alertmanager config")))
    progress(f"Running {', '.join(name for name, _ in runs)} ({what}; {len(custom)} custom resources)")
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:  # the threads only wait on processes
        futures = [pool.submit(run) for _, run in runs]
        return [future.result() for future in futures]


def _kubernetes_validate(texts: dict[Path, str], folder: Path, what: str, use_cache: bool) -> CheckResult:
    """kubernetes-validate on the manifests it has not passed before in exactly this form
    (only those are written, under `folder`)."""
    cache = PassCache.default(_validator_identity(), use_cache)
    pending = {path: text for path, text in texts.items() if not cache.passed(text)}
    if not pending:
        return CheckResult("kubernetes-validate", True, f"{what} (all passed before, unchanged)")
    files = write_files(folder, pending)
    validator = Path(sys.executable).with_name("kubernetes-validate")
    command = [str(validator) if validator.exists() else "kubernetes-validate", "--strict"]
    command += ["--kubernetes-version", KUBERNETES_VERSION, "--quiet", *map(str, files)]
    result = _run_tool("kubernetes-validate", command, what)
    if result.passed:
        for text in pending.values():
            cache.remember(text)
    if len(pending) < len(texts):
        result.summary += f" ({len(texts) - len(pending)} passed before, unchanged)"
    return result


@functools.cache
def _validator_identity() -> str | None:
    """kubernetes-validate's version and how it is run (None: not installed here)."""
    try:
        return f"kubernetes-validate {version('kubernetes-validate')} {KUBERNETES_VERSION} --strict"
    except PackageNotFoundError:
        return None


def crd_schema_check(custom: dict[str, dict[str, Any]], use_cache: bool = True) -> CheckResult:
    """Every custom resource against its CRD schema; a kind without one is unchecked, not passed."""
    found = check_custom_resources(custom, use_cache)
    if found.problem is not None:
        return CheckResult("crd-schemas", False, found.problem)
    summary = f"{len(found.valid)} custom resources schema-valid, {len(found.unchecked)} unchecked"
    if found.remembered:
        summary += f" ({found.remembered} judged before, unchanged)"
    if found.unchecked:
        kinds = sorted(set(found.unchecked.values()))
        summary += f" (no schema for: {', '.join(kinds)})"
    if found.invalid:
        output = "\n".join(f"{name}: {error}" for name, errors in found.invalid.items() for error in errors)
        return CheckResult("crd-schemas", False, f"{len(found.invalid)} invalid; {summary}", output)
    return CheckResult("crd-schemas", True, summary)


def _run_tool(name: str, command: list[str], what: str) -> CheckResult:
    if shutil.which(command[0]) is None:
        source = "requirements-dev.txt" if name == "kubernetes-validate" else "`make tools` (Debian packages)"
        return CheckResult(name, False, f"{name} is not installed: it comes with {source}; `make test` sets up both")
    try:
        outcome = subprocess.run(command, capture_output=True, text=True, check=False, timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        return CheckResult(name, False, f"{name} did not finish within {TOOL_TIMEOUT}s")
    output = (outcome.stdout + outcome.stderr).strip()
    if outcome.returncode == 0:
        return CheckResult(name, True, what)
    return CheckResult(name, False, f"{what}: exit {outcome.returncode}", output)


def format_report(report: Report) -> list[str]:
    """The compact text report: each check, then each mandatory violation, advisories grouped."""
    lines = [f"novactl check {report.stack}"]
    for check in report.checks:
        lines.append(f"  {'PASS' if check.passed else 'FAIL'}  {check.name}: {check.summary}")
        if not check.passed and check.output:
            lines.extend(f"        {line}" for line in check.output.splitlines()[:40])
    mandatory = [v for v in report.violations if v.enforcement == "mandatory"]
    if mandatory:
        lines.append("Violations:")
        lines.extend(f"  {v.policy}  {v.resource}: {v.message}" for v in mandatory)
    advisory: dict[str, list[Violation]] = {}
    for violation in report.violations:
        if violation.enforcement == "advisory":
            advisory.setdefault(violation.policy, []).append(violation)
    if advisory:
        lines.append("Advisory (reported, not failing):")
        for policy, found in advisory.items():
            names = sorted({v.resource for v in found})
            shown = ", ".join(names[:4]) + (f", and {len(names) - 4} more" if len(names) > 4 else "")
            lines.append(f"  {policy}  {len(found)} finding(s): {shown}")
            lines.append(f"      e.g. {found[0].message}")
    if report.unset_secrets:
        # Not a failure here (a clone holds no secrets), but `pulumi up` refuses the stack.
        lines.append("Secrets not set (placeholders stood in; pulumi up refuses the stack until they are):")
        lines.extend(
            f"  {key}: pulumi config set --secret {key} <value> -s {report.stack}" for key in report.unset_secrets
        )
    lines.append(f"Result: {'passed' if report.passed else 'FAILED'}")
    return lines
