"""The analysis Job's program against a real Prometheus: Debian's prometheus serving series
loaded with `promtool tsdb create-blocks-from openmetrics`, labelled as the PodMonitor labels
them; each case gives the exit code and the one-line verdict `pulumi up` shows."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR
from tests.tools.conftest import PrometheusStarter, run_tool
from tests.tools.scrape_labels import target_labels

PROGRAM = PROJECT_DIR / "analysis" / "nova_analysis.py"
NS, SERVICE = "nova-staging", "feed-service"
STEP, MINUTES = 15, 10  # a sample every 15 s for the last 10 minutes
BUCKETS = ("0.1", "0.25", "0.5", "1", "2.5", "+Inf")


def _labels(color: str, **extra: str) -> str:
    labels = {**target_labels(NS, SERVICE, color, "2.4.0", f"{SERVICE}-{color}-1"), **extra}
    return "{" + ",".join(f'{key}="{value}"' for key, value in labels.items()) + "}"


def openmetrics(color: str, ok_per_second: float, errors_per_second: float, slow: bool, histogram: bool = True) -> str:
    """Counters and a latency histogram of one colour: every request in the 0.1-0.25s bucket,
    or with `slow` in the 1-2.5s bucket (no histogram at all without `histogram`)."""
    now = int(time.time())
    times = [now - MINUTES * 60 + step * STEP for step in range(MINUTES * 60 // STEP + 1)]
    lines = ["# TYPE http_requests counter"]
    for status, rate in (("200", ok_per_second), ("500", errors_per_second)):
        for index, at in enumerate(times):
            lines.append(f"http_requests_total{_labels(color, status=status)} {rate * STEP * index} {at}")
    if not histogram:
        return "\n".join([*lines, "# EOF", ""])
    lines.append("# TYPE http_request_duration_seconds histogram")
    total = ok_per_second + errors_per_second
    first = "1" if slow else "0.1"
    for le in BUCKETS:
        share = 0.0 if BUCKETS.index(le) <= BUCKETS.index(first) else 1.0
        for index, at in enumerate(times):
            lines.append(
                f"http_request_duration_seconds_bucket{_labels(color, le=le)} {share * total * STEP * index} {at}"
            )
    for index, at in enumerate(times):
        lines.append(f"http_request_duration_seconds_count{_labels(color)} {total * STEP * index} {at}")
        lines.append(f"http_request_duration_seconds_sum{_labels(color)} {0.2 * total * STEP * index} {at}")
    return "\n".join([*lines, "# EOF", ""])


@pytest.fixture
def serve(prometheus: PrometheusStarter, tmp_path: Path):
    """A Prometheus holding the given OpenMetrics text."""

    def start(text: str) -> str:
        source = tmp_path / "series.om"
        source.write_text(text)
        data = tmp_path / "tsdb"
        outcome = run_tool(
            "promtool", "prometheus", "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)
        )
        assert outcome.returncode == 0, outcome.stdout + outcome.stderr
        return prometheus({"scrape_configs": []}, data)

    return start


def analyse(url: str, color: str, *extra: str) -> tuple[int, str]:
    outcome = subprocess.run(
        [
            sys.executable,
            str(PROGRAM),
            "--prometheus",
            url,
            "--namespace",
            NS,
            "--service",
            SERVICE,
            "--color",
            color,
            "--window",
            "0",
            "--interval",
            "300",
            "--max-error-ratio",
            "0.05",
            "--max-p95-seconds",
            "1",
            "--timeout",
            "3",
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return outcome.returncode, outcome.stdout.strip().splitlines()[-1]


def test_a_healthy_color_passes(serve):
    url = serve(openmetrics("green", 99, 1, slow=False))
    code, line = analyse(url, "green")
    assert code == 0, line
    assert line.startswith("PASS feed-service green: error ratio 1.00% <= 5.00%, p95 0.")
    assert line.endswith("<= 1s over 0s")


def test_a_color_at_ten_percent_errors_fails(serve):
    url = serve(openmetrics("green", 90, 10, slow=False))
    assert analyse(url, "green") == (1, "FAIL feed-service green: error ratio 10.00% > 5.00% over 0s")


def test_a_slow_color_fails_on_p95(serve):
    url = serve(openmetrics("green", 100, 0, slow=True))
    code, line = analyse(url, "green")
    assert code == 1
    # Every request in (1s, 2.5s]: p95 interpolates to 1 + 1.5 * 0.95.
    assert line == "FAIL feed-service green: p95 2.425s > 1s over 0s"


def test_no_data_for_the_color_is_never_a_pass(serve):
    url = serve(openmetrics("blue", 99, 1, slow=False))  # only blue has series
    assert analyse(url, "green") == (
        1,
        "FAIL feed-service green: no requests seen over 0s (no data is never a pass)",
    )


def test_the_other_colors_errors_do_not_count(serve):
    text = openmetrics("blue", 50, 50, slow=True).replace("# EOF\n", "")
    text += "\n".join(openmetrics("green", 99, 1, slow=False).splitlines()[0:])
    url = serve(text)
    assert analyse(url, "green")[0] == 0


def test_prometheus_unreachable_is_exit_2():
    code, line = analyse("http://127.0.0.1:9", "green")
    assert code == 2
    assert line.startswith("FAIL feed-service green: Prometheus at http://127.0.0.1:9 unreachable: ")


def test_report_only_prints_the_failure_and_exits_zero(serve):
    url = serve(openmetrics("green", 90, 10, slow=False))
    assert analyse(url, "green", "--report-only") == (
        0,
        "FAIL feed-service green: error ratio 10.00% > 5.00% over 0s (report only: analysis.enabled is false)",
    )


def test_requests_without_a_latency_histogram_are_never_a_pass(serve):
    url = serve(openmetrics("green", 99, 1, slow=False, histogram=False))
    assert analyse(url, "green") == (
        1,
        "FAIL feed-service green: requests seen but no latency histogram (http_request_duration_seconds_bucket) "
        "over 0s (no data is never a pass)",
    )


def test_a_service_no_color_has_ever_served_is_skipped_not_passed(serve):
    url = serve(openmetrics("blue", 99, 1, slow=False).replace(SERVICE, "other-service"))
    assert analyse(url, "green") == (
        0,
        "SKIP feed-service green: no colour of feed-service has served a request in 7d, "
        "so there is nothing to judge (not a pass)",
    )
