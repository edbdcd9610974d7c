"""`novactl canary STACK SERVICE --pods N` (or `--abort`): put the idle colour into live traffic
with N pods, or take it back out. The canary state is `services.<name>.canary` in the stack file."""

from __future__ import annotations

import argparse
from pathlib import Path

from components.conventions import other_color
from novactl.plan.stack_edit import EditResult, StackEdit, unchanged
from novactl.verbs.edit import add_edit_flags, report_edit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack")
    parser.add_argument("service")
    parser.add_argument("--pods", type=int, default=1, help="pods of the idle colour in live traffic (default 1)")
    parser.add_argument("--abort", action="store_true", help="take the canary back out of live traffic")
    add_edit_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    edit = StackEdit(project_dir, args.stack)
    result = canary(edit, args.service, pods=args.pods, abort=args.abort, dry_run=args.dry_run)
    what = "aborted" if args.abort else f"{args.pods} pod(s) of the idle colour"
    return report_edit(args, project_dir, result, f"{args.service} {what}")


def canary(edit: StackEdit, service: str, *, pods: int = 1, abort: bool = False, dry_run: bool = False) -> EditResult:
    """Put the idle colour into live traffic beside the active one with `pods` pods (or take
    it back out with `abort`)."""
    spec = edit.service(service)
    idle = other_color(spec.active)
    if abort:
        if spec.canary_pods is None:
            return unchanged([f"{spec.name}: no canary is running"])
        edit.delete(spec.name, ["canary"])
        messages = [f"{spec.name}: canary aborted; {spec.active} takes all of the traffic, {idle} goes back to idle"]
        return edit.finish(messages, dry_run)
    if spec.canary_pods == pods:
        return unchanged([f"{spec.name}: the canary already runs {pods} pod(s)"])
    edit.set(spec.name, ["canary", "pods"], pods)
    edit.delete(spec.name, ["rollback"])  # the canary's analysis judges again
    active_pods = spec.replicas  # autoscaled services are refused by the config check
    share = pods / (pods + active_pods)
    messages = [
        f"{spec.name}: canary {idle} ({spec.tags.get(idle, '-')}) with {pods} pod(s) beside {active_pods} "
        f"{spec.active} pod(s): about {share:.0%} of new connections (long-lived connections stay where they are)",
        f"next: pulumi up -s {edit.stack} (the analysis Job watches {idle}), then "
        f"novactl switch {edit.stack} {spec.name} {idle} to finish, or novactl canary {edit.stack} {spec.name} --abort",
    ]
    return edit.finish(messages, dry_run)
