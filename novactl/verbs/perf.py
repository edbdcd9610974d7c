"""`novactl perf record|compare`: benchmark results into InfluxDB, and against their baseline."""

from __future__ import annotations

import argparse
from pathlib import Path

from novactl.errors import EXIT_FAILED, EXIT_OK
from novactl.perf.compare import compare, table, threshold_value
from novactl.perf.influx import Context, Influx, baseline, record
from novactl.perf.results import load_results


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="perf_command", required=True)
    results = argparse.ArgumentParser(add_help=False)  # what both subcommands read
    results.add_argument("--suite", required=True, help="the suite the results belong to")
    results.add_argument("results", help="the results file (docs/performance.md)")
    results.add_argument(
        "--input-format", choices=["auto", "native", "criterion", "hyperfine", "k6"], default="auto", help="of RESULTS"
    )
    record = commands.add_parser("record", parents=[results], help="write one run's results (measurement benchmark)")
    record.set_defaults(handler=run_record)
    compare = commands.add_parser(
        "compare", parents=[results], help="compare a run against the median of the last main-branch runs"
    )
    compare.add_argument("--threshold", default="10%", help="worse by more than this fails (default 10%%)")
    compare.add_argument("--baseline-runs", type=int, default=5, help="runs whose median is the baseline")
    compare.add_argument("--baseline-branch", default="main", help="the branch baselines come from")
    compare.add_argument("--format", choices=["text", "markdown"], default="text", help="the table's format")
    compare.set_defaults(handler=run_compare)


def run_record(args: argparse.Namespace, project_dir: Path) -> int:
    found = load_results(Path(args.results), args.input_format)
    context = Context.from_environment()
    record(Influx.from_environment(), args.suite, found, context)
    print(
        f"Recorded {len(found)} result(s) of {args.suite} ({context.repository} {context.branch} on {context.runner})"
    )
    return EXIT_OK


def run_compare(args: argparse.Namespace, project_dir: Path) -> int:
    found = load_results(Path(args.results), args.input_format)
    threshold = threshold_value(args.threshold)
    context = Context.from_environment()
    medians = baseline(Influx.from_environment(), args.suite, context, args.baseline_runs, args.baseline_branch)
    rows = compare(found, medians, threshold)
    print(table(rows, args.suite, threshold, markdown=args.format == "markdown"), end="")
    return EXIT_FAILED if any(row.status == "REGRESSION" for row in rows) else EXIT_OK
