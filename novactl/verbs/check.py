"""`novactl check STACK [--live]`: the policies and the real validators over a render, and with
--live the StorageClasses the stack's volumes need in the cluster."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from novactl.errors import EXIT_FAILED, EXIT_OK
from novactl.kube import live
from novactl.stack import declared
from novactl.stack.files import stack_from_argument
from novactl.verbs.output import cluster, first_line

if TYPE_CHECKING:
    from novactl.validate.check import CheckResult


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack", help="a stack name, or its file (Pulumi.staging.yaml)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--no-cache", action="store_true", help="validate every object, even those passed before unchanged"
    )
    parser.add_argument(
        "--live", action="store_true", help="also read the cluster: the StorageClasses the stack's volumes need"
    )
    parser.add_argument("--context", help="the kubeconfig context for --live (default: the stack's kubernetes:context)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    from novactl.validate.check import format_report, run_check  # noqa: PLC0415 - the SDK only when it runs

    stack = stack_from_argument(args.stack)
    report = run_check(project_dir, stack, _progress, use_cache=not args.no_cache)
    if args.live:
        report.checks.append(_cluster_storage(args, project_dir, stack))
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print("\n".join(format_report(report)))
    return EXIT_OK if report.passed else EXIT_FAILED


def _progress(line: str) -> None:
    print(f"... {line}", file=sys.stderr)


def _cluster_storage(args: argparse.Namespace, project_dir: Path, stack: str) -> CheckResult:
    """check --live: the StorageClasses the stack's volumes need, in the cluster `pulumi up` reaches."""
    from novactl.validate import preflight  # noqa: PLC0415 - the kubernetes client only for --live
    from novactl.validate.check import CheckResult  # noqa: PLC0415 - the SDK only when it runs

    context, where = cluster(args, project_dir, stack)
    try:
        classes = live.KubernetesReader(context).storage_classes()
    except Exception as error:  # the client's own kinds: config, HTTP, API and decoding errors
        summary = f"cannot read StorageClasses through {where}: {first_line(error)}"
        return CheckResult("cluster-storage", False, summary)
    findings = preflight.storage_findings(declared.declared_platform(project_dir, stack), classes)
    if findings:
        return CheckResult("cluster-storage", False, f"{len(findings)} problem(s) in {where}", "\n".join(findings))
    return CheckResult("cluster-storage", True, f"every volume's StorageClass is in {where}")
