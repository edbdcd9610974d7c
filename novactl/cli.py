"""`novactl`: render, check, secrets, diff, switch, canary, release, perf and status, offline.

Exit codes: 0 ok, 1 a check or the program failed, 2 usage or config error.

The verbs that run the program (render, check, diff, and the edits through novactl.bluegreen)
import the Pulumi SDK when they run, not here: `status` answers without loading it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from components.config.fields import ConfigError
from components.config.stack import PlatformConfig
from components.config.workload import env_name
from novactl import bluegreen, perf
from novactl.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, OperationError, UsageError
from novactl.kube import live
from novactl.plan.changes import ObjectChange, field_line
from novactl.shell import completion_script, hoist_stack_flag
from novactl.stack import history
from novactl.stack.files import StackError, plaintext_secrets, stack_from_argument
from novactl.stack.git import commit_stack_file

if TYPE_CHECKING:
    from novactl.validate.check import CheckResult


def _project_dir(start: Path) -> Path:
    """The nearest folder holding Pulumi.yaml, as the Pulumi CLI finds it."""
    for folder in (start, *start.parents):
        if (folder / "Pulumi.yaml").exists():
            return folder
    raise StackError(f"Pulumi.yaml: not found in {start} or any parent folder")


def _print_changes(changes: list[ObjectChange]) -> None:
    if not changes:
        print("The next `pulumi up` changes no Kubernetes object.")
        return
    print(f"The next `pulumi up` changes {len(changes)} Kubernetes object(s):")
    for change in changes:
        print(f"  {change.describe()}")
        for field in change.fields:
            print(f"      {field_line(field)}")


def cmd_render(args: argparse.Namespace, project_dir: Path) -> int:
    from novactl.engine.render import render_stack, summary  # noqa: PLC0415 - see the module's docstring

    started = time.perf_counter()
    rendered = render_stack(
        project_dir,
        args.stack,
        overrides=args.config,
        secrets=args.secret,
        placeholder_secrets=args.placeholder_secrets,
    )
    out_dir = Path(args.out) if args.out else project_dir / "rendered" / args.stack
    result = rendered.write(out_dir)
    elapsed = time.perf_counter() - started
    print(f"Rendered stack {args.stack}: {len(rendered.recording.resources)} resources")
    for line in summary(rendered.recording):
        print(line)
    for line in rendered.recording.null_inputs():
        print(f"warning: sent as null, which the provider never reads: {line}", file=sys.stderr)
    manifests_dir = out_dir / "manifests"
    if result.rule_files:
        print(f"Wrote {len(result.rule_files)} rule file(s) under {out_dir / 'prometheus'}")
    if result.alertmanager_config:
        print(f"Wrote {result.alertmanager_config}")
    if result.dashboards:
        print(f"Wrote {len(result.dashboards)} Grafana dashboard(s) under {out_dir / 'grafana'}")
    print(f"Wrote {result.stack_json} and {len(result.manifests)} manifests under {manifests_dir} in {elapsed:.2f}s")
    return EXIT_OK


def cmd_check(args: argparse.Namespace, project_dir: Path) -> int:
    from novactl.validate.check import format_report, run_check  # noqa: PLC0415 - see the module's docstring

    if args.no_cache:
        os.environ["NOVACTL_CACHE"] = "off"  # read by novactl.validate.passcache, here and in nothing else
    stack = stack_from_argument(args.stack)
    report = run_check(project_dir, stack, progress=lambda line: print(f"... {line}", file=sys.stderr))
    if args.live:
        report.checks.append(_cluster_storage(args, project_dir, stack))
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print("\n".join(format_report(report)))
    return EXIT_OK if report.passed else EXIT_FAILED


def _cluster_storage(args: argparse.Namespace, project_dir: Path, stack: str) -> CheckResult:
    """check --live: the StorageClasses the stack's volumes need, in the cluster `pulumi up` reaches."""
    from novactl.validate import preflight  # noqa: PLC0415 - the kubernetes client only for --live
    from novactl.validate.check import CheckResult  # noqa: PLC0415 - see the module's docstring

    context, where = _cluster(args, project_dir, stack)
    try:
        classes = live.KubernetesReader(context).storage_classes()
    except Exception as error:  # the client's own kinds: config, HTTP, API and decoding errors
        return CheckResult(
            "cluster-storage", False, f"cannot read StorageClasses through {where}: {_first_line(error)}"
        )
    findings = preflight.storage_findings(bluegreen.declared_platform(project_dir, stack), classes)
    if findings:
        return CheckResult("cluster-storage", False, f"{len(findings)} problem(s) in {where}", "\n".join(findings))
    return CheckResult("cluster-storage", True, f"every volume's StorageClass is in {where}")


def _cluster(args: argparse.Namespace, project_dir: Path, stack: str) -> tuple[str | None, str]:
    """The kubeconfig context a --live read uses (--context, else the stack's), and its words."""
    context: str | None = args.context or bluegreen.kube_context(project_dir, stack)
    return context, f"context {context}" if context else "the kubeconfig's current context"


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def cmd_secrets(args: argparse.Namespace, project_dir: Path) -> int:
    """Refuse plain-text secrets in stack files: fast, no render (the commit hook's check)."""
    problems = [line for stack in args.stacks for line in plaintext_secrets(project_dir, stack_from_argument(stack))]
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    return EXIT_FAILED if problems else EXIT_OK


def cmd_diff(args: argparse.Namespace, project_dir: Path) -> int:
    from novactl.plan.diff import diff_stack, to_json, to_markdown, to_text  # noqa: PLC0415 - see the module's docstring

    diff = diff_stack(project_dir, args.stack, args.base)
    formatters = {"text": to_text, "markdown": to_markdown, "json": to_json}
    print(formatters[args.format](diff))
    return EXIT_OK


def cmd_switch(args: argparse.Namespace, project_dir: Path) -> int:
    if args.to_tag:
        if len(args.targets) != 1 or args.all:
            raise StackError("usage: novactl switch STACK SERVICE --to-tag TAG")
        services = [args.targets[0]]
        color = bluegreen.colour_running(project_dir, args.stack, args.targets[0], args.to_tag)
    elif args.all:
        services, color = None, args.all
        if args.targets:
            raise StackError("switch --all COLOR takes no SERVICE")
    elif len(args.targets) == 2:
        services, color = [args.targets[0]], args.targets[1]
    else:
        raise StackError("usage: novactl switch STACK SERVICE COLOR  or  novactl switch STACK --all COLOR")
    result = bluegreen.switch(project_dir, args.stack, services, color, args.dry_run)
    what = args.targets[0] if services else "every service"
    return _report_edit(args, project_dir, result, f"switch({args.stack}): {what} to {color}")


def _assignment(text: str, flag: str) -> tuple[str, str]:
    """`KEY=VALUE` of a variable, the name checked as the stack config checks `env`."""
    name, separator, value = text.partition("=")
    if not separator or not name:
        raise StackError(f"{flag} {text!r}: expected KEY=VALUE")
    try:
        env_name(name, name)
    except ConfigError as error:
        raise StackError(f"{flag} {text!r}: {error.message}") from None
    return name, value


def cmd_release(args: argparse.Namespace, project_dir: Path) -> int:
    env = dict(_assignment(item, "--env") for item in args.env)
    if args.tag is None and not env:
        raise StackError("release needs a TAG, or --env KEY=VALUE to release a config change on the live tag")
    result = bluegreen.release(project_dir, args.stack, args.service, args.tag, env=env, dry_run=args.dry_run)
    what = args.tag or "the live tag with " + ", ".join(sorted(env))
    return _report_edit(
        args, project_dir, result, f"release({args.stack}): {args.service} {what} on the inactive colour"
    )


def _report_edit(args: argparse.Namespace, project_dir: Path, result: bluegreen.EditResult, message: str) -> int:
    committed = None
    if getattr(args, "commit", False) and result.written:
        committed = commit_stack_file(project_dir, args.stack, message)
    if args.json:
        document = {
            "stack": args.stack,
            "messages": result.messages,
            "written": result.written,
            "changes": [
                {
                    "action": change.action,
                    "kind": change.key[0],
                    "namespace": change.key[1],
                    "name": change.key[2],
                    "fields": [{"path": f.path, "before": f.before, "after": f.after} for f in change.fields],
                }
                for change in result.changes
            ],
            "commit": committed,
        }
        print(json.dumps(document, indent=2, default=str))
        return EXIT_OK
    for line in result.messages:
        print(line)
    if result.changes or result.written:
        _print_changes(result.changes)
    if committed:
        print(f"Committed {committed[:12]} ({message}); apply with: pulumi up -s {args.stack}")
    elif result.written:
        print(f"Updated Pulumi.{args.stack}.yaml; next: commit it (or use --commit), then pulumi up -s {args.stack}")
    elif args.dry_run and result.changes:
        print("Dry run: the stack file was not changed.")
    return EXIT_OK


def cmd_history(args: argparse.Namespace, project_dir: Path) -> int:
    events = history.history(project_dir, args.stack, args.service)
    if args.json:
        print(json.dumps([dataclasses.asdict(event) for event in events], indent=2))
        return EXIT_OK
    if not events:
        print(f"No release, switch or canary in the git history of Pulumi.{args.stack}.yaml")
        return EXIT_OK
    for event in events:
        print(f"{event.date[:16]}  {event.commit[:10]}  {event.service:<22}  {event.describe():<48}  {event.author}")
    return EXIT_OK


def cmd_rollback(args: argparse.Namespace, project_dir: Path) -> int:
    spec = bluegreen.find_service(bluegreen.declared_platform(project_dir, args.stack), args.service)
    color, last = history.rollback_target(project_dir, args.stack, args.service, spec)
    result = bluegreen.switch(project_dir, args.stack, [args.service], color, args.dry_run)
    result.messages.insert(
        0, f"{args.service}: back to {color}, which served before the switch in {last.commit[:12]} ({last.date[:10]})"
    )
    return _report_edit(args, project_dir, result, f"rollback({args.stack}): {args.service} back to {color}")


def cmd_canary(args: argparse.Namespace, project_dir: Path) -> int:
    result = bluegreen.canary(
        project_dir, args.stack, args.service, pods=args.pods, abort=args.abort, dry_run=args.dry_run
    )
    what = "aborted" if args.abort else f"{args.pods} pod(s) of the idle colour"
    return _report_edit(args, project_dir, result, f"canary({args.stack}): {args.service} {what}")


def cmd_perf_record(args: argparse.Namespace, project_dir: Path) -> int:
    results = perf.load_results(Path(args.results), args.input_format)
    influx = perf.Influx.from_environment()
    context = perf.Context.from_environment()
    perf.record(influx, args.suite, results, context)
    print(
        f"Recorded {len(results)} result(s) of {args.suite} ({context.repository} {context.branch} on {context.runner})"
    )
    return EXIT_OK


def cmd_perf_compare(args: argparse.Namespace, project_dir: Path) -> int:
    results = perf.load_results(Path(args.results), args.input_format)
    threshold = perf.threshold_value(args.threshold)
    context = perf.Context.from_environment()
    medians = perf.baseline(
        perf.Influx.from_environment(), args.suite, context, args.baseline_runs, args.baseline_branch
    )
    rows = perf.compare(results, medians, threshold)
    print(perf.table(rows, args.suite, threshold, markdown=args.format == "markdown"), end="")
    return EXIT_FAILED if any(row.status == "REGRESSION" for row in rows) else EXIT_OK


def cmd_status(args: argparse.Namespace, project_dir: Path) -> int:
    platform = bluegreen.declared_platform(project_dir, args.stack)
    if args.service is not None:
        platform = bluegreen.only_service(platform, args.service)
    if args.live:
        return _live_status(args, project_dir, platform)
    if args.json:
        print(json.dumps(bluegreen.status_document(platform), indent=2))
        return EXIT_OK
    print(f"Stack {args.stack} (namespace {platform.namespace}), as its stack file declares it:")
    _print_table(bluegreen.status_rows(platform))
    return EXIT_OK


def _print_table(rows: list[list[str]]) -> None:
    """Rows in columns as wide as their widest cell, the first row the header."""
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _add_perf_commands(commands: Any) -> None:
    perf_parser = commands.add_parser("perf", help="benchmark results into InfluxDB, and against their baseline")
    perf_commands = perf_parser.add_subparsers(dest="perf_command", required=True)
    results = argparse.ArgumentParser(add_help=False)  # what both subcommands read
    results.add_argument("--suite", required=True, help="the suite the results belong to")
    results.add_argument("results", help="the results file (docs/performance.md)")
    results.add_argument(
        "--input-format", choices=["auto", "native", "criterion", "hyperfine", "k6"], default="auto", help="of RESULTS"
    )
    record = perf_commands.add_parser(
        "record", parents=[results], help="write one run's results (measurement benchmark)"
    )
    record.set_defaults(handler=cmd_perf_record)
    compare = perf_commands.add_parser(
        "compare", parents=[results], help="compare a run against the median of the last main-branch runs"
    )
    compare.add_argument("--threshold", default="10%", help="worse by more than this fails (default 10%%)")
    compare.add_argument("--baseline-runs", type=int, default=5, help="runs whose median is the baseline")
    compare.add_argument("--baseline-branch", default="main", help="the branch baselines come from")
    compare.add_argument("--format", choices=["text", "markdown"], default="text", help="the table's format")
    compare.set_defaults(handler=cmd_perf_compare)


def _add_bluegreen_commands(commands: Any) -> None:
    switch = commands.add_parser("switch", help="make COLOR the active colour of SERVICE (or --all)")
    switch.add_argument("stack")
    switch.add_argument("targets", nargs="*", metavar="SERVICE COLOR")
    switch.add_argument("--all", metavar="COLOR", help="switch every service to COLOR")
    switch.add_argument("--to-tag", metavar="TAG", help="switch SERVICE to the colour that runs TAG")
    switch.set_defaults(handler=cmd_switch)

    canary = commands.add_parser("canary", help="put the idle colour of SERVICE into live traffic with --pods pods")
    canary.add_argument("stack")
    canary.add_argument("service")
    canary.add_argument("--pods", type=int, default=1, help="pods of the idle colour in live traffic (default 1)")
    canary.add_argument("--abort", action="store_true", help="take the canary back out of live traffic")
    canary.set_defaults(handler=cmd_canary)

    release = commands.add_parser("release", help="put TAG on the inactive colour of SERVICE")
    release.add_argument("stack")
    release.add_argument("service")
    release.add_argument("tag", nargs="?", help="the image tag (default: the live colour's, for a config-only release)")
    release.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a variable for the released colour only (colorEnv), over the live colour's; repeatable",
    )
    release.set_defaults(handler=cmd_release)
    rollback = commands.add_parser(
        "rollback", help="switch SERVICE back to the colour that served before its last switch (from git history)"
    )
    rollback.add_argument("stack")
    rollback.add_argument("service")
    rollback.set_defaults(handler=cmd_rollback)
    for name in ("switch", "canary", "release", "rollback"):
        commands.choices[name].add_argument(
            "--dry-run", action="store_true", help="show the change, do not write the stack file"
        )
        commands.choices[name].add_argument("--json", action="store_true", help="the messages and changes as JSON")
        commands.choices[name].add_argument(
            "--commit", action="store_true", help="commit the stack file with a conventional message"
        )


def _live_status(args: argparse.Namespace, project_dir: Path, platform: PlatformConfig) -> int:
    context, where = _cluster(args, project_dir, args.stack)
    try:
        services = live.live_status(platform, live.KubernetesReader(context))
    except Exception as error:  # the client's own kinds: config, HTTP, API and decoding errors
        print(f"error: --live: cannot read the cluster through {where}: {_first_line(error)}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps([dataclasses.asdict(item) for item in services], indent=2))
        return EXIT_OK
    print(f"Stack {args.stack} (namespace {platform.namespace}) in the cluster, through {where}:")
    _print_table(live.live_rows(services))
    drifted = [item.name for item in services if item.drift]
    return EXIT_FAILED if drifted else EXIT_OK


def _add_status_commands(commands: Any) -> None:
    status = commands.add_parser("status", help="the colours, tags and sizes a stack file declares")
    status.add_argument("stack")
    status.add_argument("service", nargs="?", help="one service only")
    status.add_argument("--json", action="store_true", help="the same for scripts: services.<name>.{active,tags,...}")
    status.add_argument(
        "--live", action="store_true", help="read the cluster: routing, endpoints, replicas, Jobs and drift"
    )
    status.add_argument("--context", help="the kubeconfig context (default: the stack's kubernetes:context)")
    status.set_defaults(handler=cmd_status)

    history_parser = commands.add_parser(
        "history", help="releases, switches, canaries and rollbacks of a stack (or SERVICE), from git"
    )
    history_parser.add_argument("stack")
    history_parser.add_argument("service", nargs="?")
    history_parser.add_argument("--json", action="store_true", help="the events as JSON")
    history_parser.set_defaults(handler=cmd_history)

    completion = commands.add_parser(
        "completion", help='print a shell completion script: eval "$(novactl completion bash)"'
    )
    completion.add_argument("shell", choices=["bash", "zsh"])
    completion.set_defaults(handler=cmd_completion, needs_project=False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="novactl", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("-C", "--project-dir", default=".", help="folder of Pulumi.yaml (default: found from here)")
    commands = parser.add_subparsers(dest="command", required=True)

    render = commands.add_parser("render", help="run the program offline; write stack.json and manifests")
    render.add_argument("stack")
    render.add_argument("--out", help="output folder (default: rendered/STACK)")
    render.add_argument(
        "--config", action="append", default=[], metavar="KEY=VALUE", help="override a config value (KEY may be a path)"
    )
    render.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a secret config value (masked in all output)",
    )
    render.add_argument(
        "--placeholder-secrets",
        action="store_true",
        help="stand in a masked placeholder for every secret the stack does not set (pulumi up would refuse)",
    )
    render.set_defaults(handler=cmd_render)

    check = commands.add_parser(
        "check", help="render STACK and run the policy pack's rules, kubernetes-validate, promtool and amtool"
    )
    check.add_argument("stack", help="a stack name, or its file (Pulumi.staging.yaml)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument(
        "--no-cache", action="store_true", help="validate every object, even those passed before unchanged"
    )
    check.add_argument(
        "--live", action="store_true", help="also read the cluster: the StorageClasses the stack's volumes need"
    )
    check.add_argument("--context", help="the kubeconfig context for --live (default: the stack's kubernetes:context)")
    check.set_defaults(handler=cmd_check)

    secrets = commands.add_parser("secrets", help="refuse secret keys set in plain text in stack files (no render)")
    secrets.add_argument("stacks", nargs="+", metavar="STACK", help="stack names or files (Pulumi.staging.yaml)")
    secrets.set_defaults(handler=cmd_secrets)

    diff = commands.add_parser("diff", help="what the next `pulumi up` changes between git REF and the working tree")
    diff.add_argument("stack")
    diff.add_argument("--base", required=True, metavar="REF", help="the git commit, branch or tag to compare against")
    diff.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    diff.set_defaults(handler=cmd_diff)

    _add_bluegreen_commands(commands)
    _add_perf_commands(commands)

    _add_status_commands(commands)
    return parser


class _VersionAction(argparse.Action):
    """`--version`, looked up only when asked: reading package metadata costs every other verb time."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 - see _VersionAction

    try:
        return version("nova-platform")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed: pip install -e .)"


def cmd_completion(args: argparse.Namespace, project_dir: Path) -> int:
    print(completion_script(build_parser(), args.shell))
    return EXIT_OK


def run() -> NoReturn:
    """The `novactl` command (and `python -m novactl`): main, then out at once.

    Everything a verb opens it closes itself (files, temporary folders, processes, threads), so
    nothing is left for the interpreter's teardown but freeing the Pulumi SDK's thousands of
    classes, which costs a third of a second at every exit: skip it.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # a pipe's buffer is written here, inside the handler, not at exit
        return code
    except BrokenPipeError:
        # `novactl diff ... | head`: the reader left; stop quietly, as other Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(hoist_stack_flag(sys.argv[1:] if argv is None else argv))
    try:
        if not getattr(args, "needs_project", True):
            code: int = args.handler(args, Path.cwd())
            return code
        project_dir = _project_dir(Path(args.project_dir).resolve())
        code = args.handler(args, project_dir)
        return code
    # ConfigError is the program's own (components/ imports nothing of novactl's).
    except (UsageError, ConfigError) as error:
        _print_error(error)
        return EXIT_USAGE
    except OperationError as error:
        _print_error(error)
        return EXIT_FAILED


def _print_error(error: Exception) -> None:
    """One `error:` line per problem (several config mistakes are reported together)."""
    for line in str(error).splitlines():
        print(f"error: {line}", file=sys.stderr)
