"""`novactl rollback STACK SERVICE`: switch back to the colour that served before the last
switch, found in the stack file's git history. `novactl rollback STACK --since REF`: put back
the traffic of every service (or of SERVICE) as the stack file had it at REF: the colour it
served, and no canary it did not run. This is the one rollback of every workflow that applies a
switch or a canary (deploy and promote, docs/delivery.md#rollback).

A colour comes back only as it was tested: never when its tag or its configuration changed in
between. The services rolled back get `rollback: true`: their analysis reports and neither fails
nor holds `pulumi up`, since the traffic is already back (components/config/services.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from components.conventions import other_color
from novactl.plan.stack_edit import EditResult, StackEdit, unchanged
from novactl.stack import history
from novactl.stack.files import StackError
from novactl.verbs.edit import add_edit_flags, report_edit
from novactl.verbs.switch import switch_edits


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack")
    parser.add_argument("service", nargs="?", help="one service (required without --since)")
    parser.add_argument("--since", metavar="REF", help="put back the traffic of every service as it was at REF")
    add_edit_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    if args.since is None and args.service is None:
        raise StackError("usage: novactl rollback STACK SERVICE  or  novactl rollback STACK [SERVICE] --since REF")
    edit = StackEdit(project_dir, args.stack)
    if args.since is not None:
        result = since(edit, project_dir, args.since, args.service, args.dry_run)
        what = f"{args.service or 'traffic'} as at {args.since}"
        return report_edit(args, project_dir, result, what)
    spec = edit.service(args.service)
    color, last = history.rollback_target(project_dir, args.stack, args.service, spec)
    messages, changed = switch_edits(edit, [args.service], color)
    if changed:
        edit.set(args.service, ["rollback"], True)
        when = f"{last.commit[:12]} ({last.date[:10]})"
        messages.insert(0, f"{args.service}: back to {color}, which served before the switch in {when}")
    result = edit.finish(messages, args.dry_run) if changed else unchanged(messages)
    return report_edit(args, project_dir, result, f"{args.service} back to {color}")


def since(edit: StackEdit, project_dir: Path, ref: str, service: str | None, dry_run: bool) -> EditResult:
    """Put back the traffic of each service (or `service`) as the stack file had it at `ref`."""
    then = history.states_at(project_dir, edit.stack, ref)
    now = history.states_at(project_dir, edit.stack, None)
    names = [edit.service(service).name] if service else sorted(set(then) & set(now))
    messages: list[str] = []
    for name in names:
        was, is_now = then.get(name), now.get(name)
        if was is None or is_now is None or (was.active, was.canary_pods) == (is_now.active, is_now.canary_pods):
            continue
        spec = edit.service(name)
        back = str(was.active)
        serving = {back} | ({other_color(spec.active)} if was.canary_pods is not None else set())
        for color in sorted(serving):
            refusal = history.not_as_tested(edit.stack, name, color, then=was, now=is_now, when=ref)
            if refusal is not None:
                raise refusal
        if spec.active != back:
            switch_edits(edit, [name], back)
        if was.canary_pods is None:
            edit.delete(name, ["canary"])
        else:
            edit.set(name, ["canary", "pods"], was.canary_pods)
        edit.set(name, ["rollback"], True)
        canary = f", canary of {was.canary_pods} pod(s)" if was.canary_pods is not None else ""
        messages.append(f"{name}: back to {back}{canary}, as at {ref} (was {is_now.active})")
    if not messages:
        return unchanged([f"no traffic moved since {ref}: nothing to roll back"])
    return edit.finish(messages, dry_run)
