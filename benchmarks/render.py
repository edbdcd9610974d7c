"""Render cost per resource for 13, 100 and 500 generated services, against the SDK's floor.

    .venv/bin/python benchmarks/render.py [--repeat N] [--sizes 13 100 500] [--clock cpu|wall] [--json PATH]

The floor is the bare Pulumi SDK registering the very same graph (types, names, inputs, parents,
dependencies, replayed from a recording) under its own MockMonitor: no config parsing, no
builders, no component logic, no recording, and the same garbage-collector policy.
Goals (issue #2): the program within 1.5x of the floor, and flat (within 20%) from 13 to 500.
Times are CPU seconds of the whole process by default (`--clock wall` for wall time).
"""

from __future__ import annotations

import argparse
import contextvars
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

import pulumi  # noqa: E402
from pulumi.runtime import mocks  # noqa: E402
from pulumi.runtime.stack import run_pulumi_func  # noqa: E402
from pulumi.runtime.sync_await import _sync_await  # noqa: E402

from components.config.secrets import service_secret_keys  # noqa: E402
from components.manifests import register  # noqa: E402
from novactl.engine.program import Recording, collector_paused, run_program  # noqa: E402
from novactl.stack.files import StackConfig, load_stack_config  # noqa: E402

SIZES = (13, 100, 500)
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
# CPU seconds of the whole process (every thread: the SDK registers on a thread pool). On a
# small shared machine wall time swings by 20% from run to run; CPU time far less.
clock = CLOCKS["cpu"]


def generated_stack(count: int) -> StackConfig:
    """The staging stack with `count` generated services, both colours deployed."""
    config = load_stack_config(PROJECT_DIR, "staging", placeholder_secrets=True)
    # The staging services' own secrets (secretEnv) go with them.
    for key in service_secret_keys({"services": config.values["nova-platform:services"]}):
        config.values.pop(f"nova-platform:{key}", None)
    config.values["nova-platform:services"] = {
        f"service-{index:04d}": {"active": "blue", "tags": {"blue": "1.0.0", "green": "1.1.0"}}
        for index in range(count)
    }
    return config


class _PlainMocks(mocks.Mocks):
    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[Any, Any]]:
        return f"{args.name}-id", args.inputs

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[Any, Any], None]:
        return {}, None


class _Bare(pulumi.ComponentResource):
    def __init__(self, type_: str, name: str, opts: pulumi.ResourceOptions) -> None:
        super().__init__(type_, name, None, opts)


def floor(recording: Recording) -> float:
    """Seconds the bare SDK takes to register the same graph: same types, names, inputs,
    parents and dependencies, replayed from the recording with no program logic at all."""

    def program() -> None:
        replayed: dict[str, pulumi.Resource] = {}
        for resource in recording.resources:
            opts = pulumi.ResourceOptions(
                parent=replayed.get(resource.parent),
                depends_on=[replayed[urn] for urn in resource.options["dependsOn"]],
            )
            if resource.custom and "kind" in resource.inputs:
                replayed[resource.urn] = register(resource.name, resource.inputs, opts)
            elif resource.custom:  # a Helm release: the SDK's bare custom resource
                replayed[resource.urn] = pulumi.CustomResource(resource.type, resource.name, resource.inputs, opts)
            else:
                replayed[resource.urn] = _Bare(resource.type, resource.name, opts)

    def run() -> float:
        gc.collect()
        pulumi.runtime.set_mocks(_PlainMocks(), project="bench", stack="floor", preview=False)
        started = clock()
        _sync_await(run_pulumi_func(program))
        return clock() - started

    # The same collector policy as the offline engine, so the ratio compares like with like.
    with collector_paused():
        return contextvars.Context().run(run)


def program_run(config: StackConfig) -> tuple[float, Recording]:
    """Seconds the whole program takes offline (config, builders, components, recording)."""
    gc.collect()  # every measured run starts from the same heap, outside the timing
    started = clock()
    recording = run_program(PROJECT_DIR, config)
    return clock() - started, recording


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the fastest counts (default 3)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="service counts (default 13 100 500)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="cpu (default) or wall seconds")
    parser.add_argument(
        "--json", metavar="PATH", help="also write the results for `novactl perf` (docs/performance.md)"
    )
    args = parser.parse_args()
    global clock  # noqa: PLW0603 - the one setting the measuring helpers share
    clock = CLOCKS[args.clock]
    print(f"clock: {args.clock} seconds; fastest of {args.repeat} interleaved runs per size")

    program_run(generated_stack(args.sizes[0]))  # warm-up: imports and first-call caches
    print(f"{'services':>8} {'resources':>9} {'program s':>10} {'ms/res':>7} {'floor s':>8} {'ms/res':>7} {'ratio':>6}")
    per_resource: dict[int, float] = {}
    for count in args.sizes:
        config = generated_stack(count)
        # Interleaved, so a slow spell of the machine hits both sides alike; the fastest counts.
        program_times, floor_times = [], []
        for _ in range(args.repeat):
            seconds, recording = program_run(config)
            program_times.append(seconds)
            floor_times.append(floor(recording))
        program_seconds, floor_seconds = min(program_times), min(floor_times)
        resources = len(recording.resources)
        per_resource[count] = program_seconds / resources
        print(
            f"{count:>8} {resources:>9} {program_seconds:>10.3f} {1000 * program_seconds / resources:>7.3f} "
            f"{floor_seconds:>8.3f} {1000 * floor_seconds / resources:>7.3f} {program_seconds / floor_seconds:>6.2f}"
        )
    spread = max(per_resource.values()) / min(per_resource.values())
    print(f"per-resource cost, largest over smallest across sizes: {spread:.2f}")
    if args.json:
        results = [
            {"name": f"render {count} services, per resource", "value": 1000 * seconds, "unit": "ms"}
            for count, seconds in per_resource.items()
        ]
        results.append({"name": "per-resource cost spread", "value": spread, "unit": "ratio", "lowerIsBetter": True})
        Path(args.json).write_text(json.dumps({"results": results}, indent=2) + "\n")
        print(f"Wrote {args.json}")


if __name__ == "__main__":
    main()
