"""Watch a colour after traffic reaches it, and fail if it errs or slows: the analysis Job.

Runs in the cluster on a plain Python image with the standard library only (the program
ships it as a ConfigMap). It queries the stack's Prometheus for one colour of one service,
`color="<colour>"` on the series its PodMonitor labels, every `--interval` seconds for
`--window` seconds:

- the 5xx ratio, against `--max-error-ratio`;
- the p95 latency from the request histogram, against `--max-p95-seconds`.

A breach fails at once. At the end of the window, no data is never a pass, for either
condition: no requests to the colour fail, and requests without a latency histogram fail.
One case is not a failure: a service that no colour has served a request in `--history`
(a service nobody calls yet) has nothing to judge, and the verdict says SKIP, not PASS.
Exit codes: 0 passed or skipped, 1 breached or no data, 2 Prometheus could not be asked. The
last line printed is the verdict, one line, as `pulumi up` shows it. With `--report-only`
(the service's `analysis.enabled: false`) the verdict is printed and the exit code is 0.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

PASSED, FAILED, UNREACHABLE = 0, 1, 2


class UnreachableError(Exception):
    """Prometheus did not answer, or answered with an error."""


@dataclass(frozen=True)
class Sample:
    """What one check saw: the 5xx ratio and the p95, None where there was no data."""

    error_ratio: float | None
    p95_seconds: float | None


def _selector(args: argparse.Namespace, extra: str = "", *, any_color: bool = False) -> str:
    labels = f'namespace="{args.namespace}", service="{args.service}"'
    if not any_color:
        labels += f', color="{args.color}"'
    return "{" + labels + extra + "}"


def _query(args: argparse.Namespace, expr: str) -> float | None:
    url = f"{args.prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:
            document = json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise UnreachableError(str(getattr(error, "reason", error))) from None
    if document.get("status") != "success":
        raise UnreachableError(document.get("error", "query failed"))
    result = document["data"]["result"]
    if not result:
        return None
    value = float(result[0]["value"][1])
    return None if math.isnan(value) or math.isinf(value) else value


def observe(args: argparse.Namespace) -> Sample:
    """The colour's error ratio and p95 over the window, as Prometheus has them now."""
    window = f"{int(args.window) or int(args.interval) or 60}s"
    requests = f"http_requests_total{_selector(args)}"
    five_hundreds = ', status=~"5.."'
    errors = f"http_requests_total{_selector(args, five_hundreds)}"
    total = _query(args, f"sum(rate({requests}[{window}]))")
    ratio = None
    if total:
        ratio = (_query(args, f"sum(rate({errors}[{window}]))") or 0.0) / total
    buckets = f"http_request_duration_seconds_bucket{_selector(args)}"
    p95 = _query(args, f"histogram_quantile(0.95, sum by (le) (rate({buckets}[{window}])))")
    return Sample(ratio, p95)


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.2f}%"


def never_served(args: argparse.Namespace) -> bool:
    """Whether no colour of the service has served a request in `--history`."""
    served = _query(args, f"sum(increase(http_requests_total{_selector(args, any_color=True)}[{args.history}]))")
    return not served


def verdict(args: argparse.Namespace, sample: Sample, final: bool) -> tuple[int, str] | None:
    """(exit code, line) when the sample decides the analysis; None to keep watching."""
    who = f"{args.service} {args.color}"
    window = f"over {args.window:g}s"
    if sample.error_ratio is not None and sample.error_ratio > args.max_error_ratio:
        return FAILED, (
            f"FAIL {who}: error ratio {_percent(sample.error_ratio)} > {_percent(args.max_error_ratio)} {window}"
        )
    if sample.p95_seconds is not None and sample.p95_seconds > args.max_p95_seconds:
        return FAILED, f"FAIL {who}: p95 {sample.p95_seconds:.3f}s > {args.max_p95_seconds:g}s {window}"
    if not final:
        return None
    return _final_verdict(args, sample, who, window)


def _final_verdict(args: argparse.Namespace, sample: Sample, who: str, window: str) -> tuple[int, str]:
    """The verdict at the end of the window, with no breach seen: no data is never a pass."""
    if sample.error_ratio is None:
        if never_served(args):
            return PASSED, (
                f"SKIP {who}: no colour of {args.service} has served a request in {args.history}, "
                f"so there is nothing to judge (not a pass)"
            )
        return FAILED, f"FAIL {who}: no requests seen {window} (no data is never a pass)"
    if sample.p95_seconds is None:
        return FAILED, (
            f"FAIL {who}: requests seen but no latency histogram (http_request_duration_seconds_bucket) "
            f"{window} (no data is never a pass)"
        )
    return PASSED, (
        f"PASS {who}: error ratio {_percent(sample.error_ratio)} <= {_percent(args.max_error_ratio)}, "
        f"p95 {sample.p95_seconds:.3f}s <= {args.max_p95_seconds:g}s {window}"
    )


def analyse(args: argparse.Namespace) -> tuple[int, str]:
    """Check every interval until a breach or the end of the window."""
    started = time.monotonic()
    while True:
        final = time.monotonic() - started >= args.window
        try:
            decided = verdict(args, observe(args), final)
        except UnreachableError as error:
            if final:
                return (
                    UNREACHABLE,
                    f"FAIL {args.service} {args.color}: Prometheus at {args.prometheus} unreachable: {error}",
                )
            decided = None
        if decided is not None:
            return decided
        print(
            f"watching {args.service} {args.color}: {time.monotonic() - started:.0f}s of {args.window:g}s", flush=True
        )
        time.sleep(max(0.0, min(args.interval, args.window - (time.monotonic() - started))))


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Fail when a colour errs or slows after traffic reaches it.")
    parser.add_argument("--prometheus", required=True, help="base URL, http://host:9090")
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--color", required=True, choices=("blue", "green"))
    parser.add_argument("--window", type=float, default=300, help="seconds to watch (0: one check)")
    parser.add_argument("--interval", type=float, default=30, help="seconds between checks")
    parser.add_argument("--max-error-ratio", type=float, required=True, help="0.05 is 5%% of requests")
    parser.add_argument("--max-p95-seconds", type=float, required=True)
    parser.add_argument("--timeout", type=float, default=10, help="seconds for one query")
    parser.add_argument(
        "--history", default="7d", help="a Prometheus duration: a service no colour served in it is skipped"
    )
    parser.add_argument("--report-only", action="store_true", help="print the verdict, always exit 0")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    code, line = analyse(args)
    if args.report_only and code != PASSED:
        line += " (report only: analysis.enabled is false)"
        code = PASSED
    print(line, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
