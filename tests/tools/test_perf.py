"""`novactl perf` against a real InfluxDB: Debian's influxd (1.x, the same v1 API InfluxDB 2
serves) on loopback ports with a throwaway data dir, stopped after each test."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT_DIR
from tests.servers import free_ports, start_server, stop_server
from tests.support import novactl
from tests.tools.conftest import run_tool


@pytest.fixture
def influx(tmp_path: Path) -> Iterator[str]:
    """influxd with a `baselines` database; its URL."""
    run_tool("influxd", "influxdb", "version")
    http, rpc = free_ports(2)
    config = tmp_path / "influxdb.conf"
    config.write_text(
        f"""reporting-disabled = true
bind-address = "127.0.0.1:{rpc}"
[meta]
  dir = "{tmp_path}/meta"
[data]
  dir = "{tmp_path}/data"
  wal-dir = "{tmp_path}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:{http}"
  log-enabled = false
[monitor]
  store-enabled = false
"""
    )
    url = f"http://127.0.0.1:{http}"
    process = start_server(["influxd", "-config", str(config)], f"{url}/ping", tmp_path / "influxd.log")
    try:
        create = urllib.request.Request(f"{url}/query?q=CREATE+DATABASE+baselines", method="POST")
        urllib.request.urlopen(create, timeout=5)
        yield url
    finally:
        stop_server(process)


def results_file(tmp_path: Path, results: list[dict[str, Any]], name: str = "results.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"results": results}))
    return path


def perf(url: str, *args: str, branch: str = "main") -> subprocess.CompletedProcess[str]:
    env = {
        "INFLUX_URL": url,
        "INFLUX_TOKEN": "test-token-never-printed",
        "PERF_REPOSITORY": "proerror/nova",
        "PERF_BRANCH": branch,
        "PERF_RUNNER": "ubuntu-24.04",
        "PERF_COMMIT": "0123abcd",
    }
    return novactl("perf", *args, env=env, timeout=60)


BASELINE = [
    {"name": "feed p95", "value": 100.0, "unit": "ms"},
    {"name": "feed throughput", "value": 1000.0, "unit": "req/s"},
]


def record_runs(url: str, tmp_path: Path, runs: list[list[dict[str, Any]]]) -> None:
    for index, results in enumerate(runs):
        outcome = perf(url, "record", "--suite", "feed", str(results_file(tmp_path, results, f"run{index}.json")))
        assert outcome.returncode == 0, outcome.stderr


def rows(output: str) -> dict[str, list[str]]:
    return {line.split("  ")[0]: [cell for cell in line.split("  ") if cell][1:] for line in output.splitlines()[2:]}


def test_record_then_compare_with_no_regression(influx, tmp_path):
    record_runs(influx, tmp_path, [BASELINE])
    outcome = perf(influx, "compare", "--suite", "feed", str(results_file(tmp_path, BASELINE)), branch="pr-7")
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert outcome.stdout.startswith("feed: 0 regression(s) beyond 10%")
    assert "test-token-never-printed" not in outcome.stdout + outcome.stderr


def test_a_fifteen_percent_slower_result_fails(influx, tmp_path):
    record_runs(influx, tmp_path, [BASELINE])
    slower = [{**BASELINE[0], "value": 115.0}, BASELINE[1]]
    outcome = perf(influx, "compare", "--suite", "feed", str(results_file(tmp_path, slower)), branch="pr-7")
    assert outcome.returncode == 1
    assert "feed: 1 regression(s) beyond 10%" in outcome.stdout
    (line,) = [line for line in outcome.stdout.splitlines() if line.startswith("feed p95")]
    assert line.split()[-2:] == ["+15.0%", "REGRESSION"]


def test_a_fifteen_percent_higher_throughput_passes(influx, tmp_path):
    record_runs(influx, tmp_path, [BASELINE])
    faster = [BASELINE[0], {**BASELINE[1], "value": 1150.0}]
    outcome = perf(influx, "compare", "--suite", "feed", str(results_file(tmp_path, faster)), branch="pr-7")
    assert outcome.returncode == 0, outcome.stdout
    (line,) = [line for line in outcome.stdout.splitlines() if line.startswith("feed throughput")]
    assert line.split()[-2:] == ["-15.0%", "improved"]


def test_a_new_benchmark_is_reported_and_a_vanished_one_too(influx, tmp_path):
    record_runs(influx, tmp_path, [BASELINE])
    changed = [BASELINE[0], {"name": "feed cold start", "value": 900.0, "unit": "ms"}]
    outcome = perf(
        influx,
        "compare",
        "--suite",
        "feed",
        str(results_file(tmp_path, changed)),
        "--format",
        "markdown",
        branch="pr-7",
    )
    assert outcome.returncode == 0, outcome.stdout
    assert "| `feed cold start` | - | 900 ms | - | new |" in outcome.stdout
    assert "| `feed throughput` | 1000 req/s | - | - | missing |" in outcome.stdout
    assert outcome.stdout.startswith("### Performance: feed: 0 regression(s) beyond 10%")


def test_the_baseline_is_the_median_of_the_last_five_runs_with_an_outlier(influx, tmp_path):
    values = [100.0, 102.0, 98.0, 400.0, 101.0]  # one run on a noisy neighbour
    record_runs(influx, tmp_path, [[{"name": "feed p95", "value": value, "unit": "ms"}] for value in values])
    current = [{"name": "feed p95", "value": 108.0, "unit": "ms"}]
    outcome = perf(influx, "compare", "--suite", "feed", str(results_file(tmp_path, current)), branch="pr-7")
    assert outcome.returncode == 0, outcome.stdout
    (line,) = [line for line in outcome.stdout.splitlines() if line.startswith("feed p95")]
    assert "101 ms" in line, "median of 98, 100, 101, 102, 400"
    assert line.split()[-2:] == ["+6.9%", "ok"]


def test_only_main_branch_runs_make_the_baseline(influx, tmp_path):
    record_runs(influx, tmp_path, [BASELINE])
    slow_branch = perf(
        influx, "record", "--suite", "feed", str(results_file(tmp_path, [{**BASELINE[0], "value": 500.0}])), branch="x"
    )
    assert slow_branch.returncode == 0
    outcome = perf(influx, "compare", "--suite", "feed", str(results_file(tmp_path, BASELINE)), branch="pr-7")
    assert outcome.returncode == 0, outcome.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            {"results": [{"name": "x", "value": "fast", "unit": "ms"}]},
            "results[0].value: expected a number, got 'fast'",
        ),
        ({"results": [{"name": "x", "value": 1, "unit": "widgets"}]}, "results[0].unit: 'widgets' is neither a time"),
        ({"results": [{"value": 1, "unit": "ms"}]}, "results[0].name: expected a non-empty string"),
        ({"something": "else"}, "cannot tell the format"),
    ],
)
def test_a_bad_results_file_is_exit_2_naming_the_file_and_the_field(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(content))
    outcome = perf("http://127.0.0.1:9", "record", "--suite", "feed", str(path))
    assert outcome.returncode == 2
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {path}: ")
    assert message in lines[0]


def test_a_server_that_is_down_is_exit_1_with_one_line(tmp_path):
    outcome = perf(
        f"http://127.0.0.1:{free_ports()[0]}", "record", "--suite", "feed", str(results_file(tmp_path, BASELINE))
    )
    assert outcome.returncode == 1
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "is unreachable after 4 attempts" in lines[0]
    assert "test-token-never-printed" not in outcome.stderr


def test_a_missing_bucket_says_so(influx, tmp_path):
    env_url = influx
    outcome = novactl(
        "perf",
        "record",
        "--suite",
        "feed",
        str(results_file(tmp_path, BASELINE)),
        env={"INFLUX_URL": env_url, "INFLUX_BUCKET": "nope", "PERF_BRANCH": "main"},
    )
    assert outcome.returncode == 1
    assert "has no bucket 'nope'" in outcome.stderr


def workflow_job(workflow: str, job: str) -> dict[str, Any]:
    document = yaml.safe_load((PROJECT_DIR / ".github/workflows" / workflow).read_text())
    found: dict[str, Any] = document["jobs"][job]
    return found


JOBS = {
    "Record the run": ("performance-baseline.yml", "baseline"),
    "Compare with the baseline": ("performance-compare.yml", "compare"),
}


def workflow_step(name: str) -> str:
    """The `run:` script of the step that records (the baseline job) or compares (the
    compare job of performance-compare.yml)."""
    (step,) = [step for step in workflow_job(*JOBS[name])["steps"] if step.get("name") == name]
    return str(step["run"])


def test_the_workflow_records_on_main_then_fails_a_slower_pull_request_with_a_comment(influx, tmp_path):
    """The baseline job's own scripts, as the runner runs them (bash -eo pipefail), in a
    workspace laid out as the job lays it out: nova-platform/ and the results artifact in perf/."""
    workspace = tmp_path / "workspace"
    (workspace / "perf").mkdir(parents=True)
    (workspace / "nova-platform").symlink_to(PROJECT_DIR)
    summary = tmp_path / "summary.md"
    job_env = {
        **os.environ,
        "SUITE": "feed",
        "INPUT_FORMAT": "native",
        "BASELINE_BRANCH": "main",
        "INFLUX_URL": influx,
        "INFLUX_BUCKET": "baselines",
        "INFLUX_TOKEN": "test-token-never-printed",
        "PERF_REPOSITORY": "proerror/nova",
        "PERF_RUNNER": "ubuntu-24.04",
        "GITHUB_STEP_SUMMARY": str(summary),
        # and the job's env that is not an expression
        **{
            key: str(value)
            for key, value in workflow_job(*JOBS["Record the run"])["env"].items()
            if "${{" not in str(value)
        },
    }

    def step(name: str, results: list[dict[str, Any]], **env: str) -> subprocess.CompletedProcess[str]:
        (workspace / "perf/results").write_text(json.dumps({"results": results}))
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", workflow_step(name)],
            cwd=workspace,
            env={**job_env, **env},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    for commit in ("c1", "c2", "c3"):
        recorded = step("Record the run", BASELINE, PERF_BRANCH="main", PERF_COMMIT=commit)
        assert recorded.returncode == 0, recorded.stderr
    slower = [{**BASELINE[0], "value": 130.0}, BASELINE[1]]
    compared = step(
        "Compare with the baseline",
        slower,
        PERF_BRANCH="feature",
        PERF_COMMIT="feedbeef0123456789",
        THRESHOLD="10%",
        BASELINE_RUNS="5",
        GITHUB_OUTPUT=str(tmp_path / "output"),
    )
    assert compared.returncode == 1, compared.stdout + compared.stderr
    comment = (workspace / "payload/comment.md").read_text()
    assert comment.startswith("## Benchmarks of feedbeef0123 against main\n\n### Performance: feed: 1 regression(s)")
    assert "| `feed p95` | 100 ms | 130 ms | +30.0% | REGRESSION |" in comment
    assert "median of the last 5 runs on main, threshold 10%" in comment
    assert summary.read_text() == comment
    assert (tmp_path / "output").read_text() == "status=1\n"
    assert "test-token-never-printed" not in comment + compared.stdout + compared.stderr
