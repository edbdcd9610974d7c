"""`novactl status STACK [SERVICE] [--live]`: the colours, tags and sizes a stack file declares,
or with --live what the cluster runs beside them (no render, no Pulumi SDK)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from components.cluster import read_cluster, wrong_cluster
from components.config.fields import ConfigError
from components.config.stack import PlatformConfig
from novactl.errors import EXIT_FAILED, EXIT_OK
from novactl.kube import live
from novactl.stack import declared
from novactl.verbs.output import cluster, first_line, print_table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stack")
    parser.add_argument("service", nargs="?", help="one service only")
    parser.add_argument("--json", action="store_true", help="the same for scripts: services.<name>.{active,tags,...}")
    parser.add_argument(
        "--live", action="store_true", help="read the cluster: routing, endpoints, replicas, Jobs and drift"
    )
    parser.add_argument("--context", help="the kubeconfig context (default: the stack's kubernetes:context)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, project_dir: Path) -> int:
    platform = declared.declared_platform(project_dir, args.stack)
    if args.service is not None:
        platform = declared.only_service(platform, args.service)
    if args.live:
        return _live_status(args, project_dir, platform)
    if args.json:
        print(json.dumps(declared.status_document(platform), indent=2))
        return EXIT_OK
    print(f"Stack {args.stack} (namespace {platform.namespace}), as its stack file declares it:")
    print_table(declared.status_rows(platform))
    return EXIT_OK


def _live_status(args: argparse.Namespace, project_dir: Path, platform: PlatformConfig) -> int:
    context, where = cluster(args, project_dir, args.stack)
    try:
        if platform.cluster_uid is not None:  # the stack's own cluster, or nothing is read
            refusal = wrong_cluster(platform, where, read_cluster(context, None), "nothing was read")
            if refusal is not None:
                raise refusal
        services = live.live_status(platform, live.KubernetesReader(context))
    except ConfigError:
        raise
    except Exception as error:  # the client's own kinds: config, HTTP, API and decoding errors
        print(f"error: --live: cannot read the cluster through {where}: {first_line(error)}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps([dataclasses.asdict(item) for item in services], indent=2))
        return EXIT_OK
    print(f"Stack {args.stack} (namespace {platform.namespace}) in the cluster, through {where}:")
    print_table(live.live_rows(services))
    drifted = [item.name for item in services if item.drift]
    return EXIT_FAILED if drifted else EXIT_OK
