"""`novactl history STACK [SERVICE]`: releases, switches, canaries and rollbacks, from git."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from novactl.errors import EXIT_OK
from novactl.stack import history


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack")
    parser.add_argument("service", nargs="?")
    parser.add_argument("--json", action="store_true", help="the events as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, project_dir: Path) -> int:
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
