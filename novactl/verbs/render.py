"""`novactl render STACK`: run the program offline; write stack.json, manifests, rules."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from novactl.errors import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack")
    parser.add_argument("--out", help="output folder (default: rendered/STACK)")
    parser.add_argument(
        "--config", action="append", default=[], metavar="KEY=VALUE", help="override a config value (KEY may be a path)"
    )
    parser.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a secret config value (masked in all output)",
    )
    parser.add_argument(
        "--placeholder-secrets",
        action="store_true",
        help="stand in a masked placeholder for every secret the stack does not set (pulumi up would refuse)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    from novactl.engine.render import render_stack, summary  # noqa: PLC0415 - the SDK only when it runs

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
