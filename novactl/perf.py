"""`novactl perf`: benchmark results into InfluxDB, and a run against its baseline.

Results come in a small JSON format (a list of `{name, value, unit, lowerIsBetter?}`, or
`{"results": [...]}`) or as the files people already have: Criterion's `estimates.json`,
hyperfine's `--export-json` and k6's `--summary-export`. InfluxDB is reached through its
InfluxQL-compatible v1 API (`/write`, `/query`), which InfluxDB 2 serves for every bucket with
`Authorization: Token ...` and InfluxDB 1.x serves natively (docs/performance.md).
"""

from __future__ import annotations

import json
import math
import os
import re
import statistics
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from novactl.errors import OperationError, UsageError

MEASUREMENT = "benchmark"
TIME_UNITS = {"ns", "us", "µs", "ms", "s", "min"}
RETRIES = (0.5, 1.0, 2.0)  # seconds between attempts: about 4 s before giving up


class ResultsError(UsageError):
    """A results file that cannot be read; str() names the file and the field."""


class InfluxError(OperationError):
    """InfluxDB could not be reached or refused the request; str() is one line."""


@dataclass(frozen=True)
class Result:
    """One benchmark's value in one run."""

    name: str
    value: float
    unit: str
    lower_is_better: bool


@dataclass(frozen=True)
class Influx:
    """Where the baselines live: the v1 API of InfluxDB 2 (or 1.x), bucket = database."""

    url: str
    token: str | None
    bucket: str
    timeout: float = 10.0

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Influx:
        """INFLUX_URL, INFLUX_TOKEN, INFLUX_BUCKET (default `baselines`)."""
        url = environ.get("INFLUX_URL", "").rstrip("/")
        if not url:
            raise InfluxError("INFLUX_URL is not set (for example http://influxdb.performance:8086)")
        return cls(url, environ.get("INFLUX_TOKEN") or None, environ.get("INFLUX_BUCKET", "baselines"))

    def _request(self, path: str, params: dict[str, str], body: bytes | None = None) -> bytes:
        url = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        headers = {"Authorization": f"Token {self.token}"} if self.token else {}
        last = ""
        for delay in (*RETRIES, None):
            request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    data: bytes = response.read()
                    return data
            except urllib.error.HTTPError as error:
                detail = error.read().decode(errors="replace")[:200]
                if error.code in {401, 403}:
                    raise InfluxError(f"InfluxDB at {self.url} refused the token (HTTP {error.code})") from None
                if error.code == 404:
                    raise InfluxError(f"InfluxDB at {self.url} has no bucket {self.bucket!r}: {detail}") from None
                if error.code < 500:
                    raise InfluxError(
                        f"InfluxDB at {self.url} refused the request (HTTP {error.code}): {detail}"
                    ) from None
                last = f"HTTP {error.code}"
            except (urllib.error.URLError, OSError) as error:
                last = str(getattr(error, "reason", error))
            if delay is not None:
                time.sleep(delay)
        raise InfluxError(f"InfluxDB at {self.url} is unreachable after {len(RETRIES) + 1} attempts: {last}")

    def write(self, lines: list[str]) -> None:
        self._request("/write", {"db": self.bucket, "precision": "ns"}, "\n".join(lines).encode())

    def query(self, influxql: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self._request("/query", {"db": self.bucket, "q": influxql}))
        for result in document.get("results", []):
            if "error" in result:
                raise InfluxError(f"InfluxDB at {self.url}: {result['error']}")
        return document


@dataclass(frozen=True)
class Context:
    """Which run this is: the tags every point carries, and its commit."""

    repository: str
    branch: str
    runner: str
    commit: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Context:
        """PERF_* first, then what GitHub Actions sets, then git."""
        return cls(
            repository=environ.get("PERF_REPOSITORY") or environ.get("GITHUB_REPOSITORY") or "local",
            branch=environ.get("PERF_BRANCH")
            or environ.get("GITHUB_REF_NAME")
            or _git("rev-parse", "--abbrev-ref", "HEAD"),
            runner=environ.get("PERF_RUNNER") or _runner_class(environ),
            commit=environ.get("PERF_COMMIT") or environ.get("GITHUB_SHA") or _git("rev-parse", "HEAD"),
        )


def _runner_class(environ: Mapping[str, str]) -> str:
    """The kind of machine, not the machine: on Actions `github-hosted-linux-x64` (RUNNER_NAME
    names one instance of a pool, and would split the history into series of one run)."""
    parts = [environ.get(name, "") for name in ("RUNNER_ENVIRONMENT", "RUNNER_OS", "RUNNER_ARCH")]
    return "-".join(part.lower() for part in parts if part) or "local"


def _git(*args: str) -> str:
    outcome = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    return outcome.stdout.strip() or "unknown"


# -- results files -----------------------------------------------------------------------------


def lower_is_better(unit: str, explicit: Any, where: str) -> bool:
    """Times go down, throughputs go up; `lowerIsBetter` says so for anything else."""
    if explicit is not None:
        if not isinstance(explicit, bool):
            raise ResultsError(f"{where}.lowerIsBetter: expected true or false, got {explicit!r}")
        return explicit
    if unit in TIME_UNITS:
        return True
    if unit.endswith("/s"):
        return False
    raise ResultsError(f"{where}.unit: {unit!r} is neither a time nor a rate (x/s); add lowerIsBetter")


def load_results(path: Path, file_format: str = "auto") -> list[Result]:
    """The results in `path`, in the native format or one of the importers'; a folder is a
    Criterion tree (`target/criterion`), a benchmark per `<group>/<bench>/new/estimates.json`."""
    if path.is_dir():
        if file_format not in ("auto", "criterion"):
            raise ResultsError(f"{path}: a folder holds Criterion results; --input-format {file_format} needs a file")
        return _unique(path, _criterion_tree(path))
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise ResultsError(f"{path}: file not found") from None
    except json.JSONDecodeError as error:
        raise ResultsError(f"{path}: not JSON (line {error.lineno})") from None
    kind = file_format if file_format != "auto" else _detect(document)
    importers = {"native": _native, "criterion": _criterion, "hyperfine": _hyperfine, "k6": _k6}
    if kind not in importers:
        raise ResultsError(f"{path}: cannot tell the format; pass --format native|criterion|hyperfine|k6")
    return _unique(path, importers[kind](document, path))


def _unique(path: Path, results: list[Result]) -> list[Result]:
    if not results:
        raise ResultsError(f"{path}: no results")
    names = [result.name for result in results]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ResultsError(f"{path}: name {duplicates[0]!r} appears twice")
    return results


def _detect(document: Any) -> str:
    if isinstance(document, list) or (isinstance(document, dict) and "results" in document and _native_list(document)):
        return "native"
    if isinstance(document, dict) and "mean" in document and "point_estimate" in (document.get("mean") or {}):
        return "criterion"
    if isinstance(document, dict) and isinstance(document.get("results"), list):
        return "hyperfine"
    if isinstance(document, dict) and isinstance(document.get("metrics"), dict):
        return "k6"
    return "unknown"


def _native_list(document: dict[str, Any]) -> bool:
    items = document.get("results")
    return isinstance(items, list) and all(isinstance(item, dict) and "value" in item for item in items)


def _native(document: Any, path: Path) -> list[Result]:
    items = document if isinstance(document, list) else document.get("results")
    if not isinstance(items, list):
        raise ResultsError(f"{path}: results: expected a list of {{name, value, unit}}")
    results = []
    for index, item in enumerate(items):
        where = f"{path}: results[{index}]"
        if not isinstance(item, dict):
            raise ResultsError(f"{where}: expected an object {{name, value, unit}}")
        name, value, unit = item.get("name"), item.get("value"), item.get("unit")
        if not isinstance(name, str) or not name:
            raise ResultsError(f"{where}.name: expected a non-empty string, got {name!r}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ResultsError(f"{where}.value: expected a number, got {value!r}")
        _finite(value, f"{where}.value")
        if not isinstance(unit, str) or not unit:
            raise ResultsError(f"{where}.unit: expected a unit such as ms or req/s, got {unit!r}")
        results.append(Result(name, float(value), unit, lower_is_better(unit, item.get("lowerIsBetter"), where)))
    return results


def _finite(value: float, where: str) -> float:
    """A measurement; NaN or infinity (which Python's JSON reader accepts) would compare as ok."""
    if not math.isfinite(value):
        raise ResultsError(f"{where}: {value!r} is not a finite number")
    return value


def _criterion(document: Any, path: Path) -> list[Result]:
    # target/criterion/<group>/<bench>/new/estimates.json: nanoseconds; the benchmark is the folder.
    name = path.parent.parent.name if path.parent.name == "new" else path.parent.name
    try:
        value = float(document["mean"]["point_estimate"])
    except (KeyError, TypeError, ValueError):
        raise ResultsError(f"{path}: mean.point_estimate: expected a number (Criterion's estimates.json)") from None
    return [Result(name, _finite(value, f"{path}: mean.point_estimate"), "ns", True)]


def _criterion_tree(folder: Path) -> list[Result]:
    files = sorted(folder.rglob("new/estimates.json"))
    if not files:
        raise ResultsError(f"{folder}: no Criterion results (<bench>/new/estimates.json) under this folder")
    # Named by their path under the folder (`group/bench`): two groups may share a bench name.
    return [
        replace(result, name=file.parent.parent.relative_to(folder).as_posix())
        for file in files
        for result in load_results(file, "criterion")
    ]


def _hyperfine(document: Any, path: Path) -> list[Result]:
    results = []
    for index, item in enumerate(document["results"]):
        try:
            mean = _finite(float(item["mean"]), f"{path}: results[{index}].mean")
            results.append(Result(str(item["command"]), mean, "s", True))
        except (KeyError, TypeError, ValueError):
            raise ResultsError(f"{path}: results[{index}]: expected command and mean (hyperfine's JSON)") from None
    return results


def _k6(document: Any, path: Path) -> list[Result]:
    metrics = document["metrics"]
    wanted = {
        "http_req_duration p95": ("http_req_duration", "p(95)", "ms", True),
        "http_req_duration avg": ("http_req_duration", "avg", "ms", True),
        "http_reqs rate": ("http_reqs", "rate", "req/s", False),
    }
    results = []
    for name, (metric, field, unit, lower) in wanted.items():
        value = (metrics.get(metric) or {}).get(field)
        if isinstance(value, int | float) and not isinstance(value, bool):
            results.append(Result(name, _finite(float(value), f"{path}: metrics.{metric}.{field}"), unit, lower))
    return results


# -- record and compare ------------------------------------------------------------------------

_TAG_ESCAPE = re.compile(r"([,= ])")


def _tag(value: str) -> str:
    return _TAG_ESCAPE.sub(r"\\\1", value)


def line_protocol(suite: str, results: list[Result], context: Context, at: int) -> list[str]:
    """One point per benchmark: measurement `benchmark`, tags, fields value and commit."""
    lines = []
    for result in results:
        tags = {
            "suite": suite,
            "name": result.name,
            "unit": result.unit,
            "repository": context.repository,
            "branch": context.branch,
            "runner": context.runner,
        }
        tag_text = ",".join(f"{key}={_tag(value)}" for key, value in tags.items())
        commit = context.commit.replace('"', '\\"')
        lines.append(f'{MEASUREMENT},{tag_text} value={result.value!r},commit="{commit}" {at}')
    return lines


def record(influx: Influx, suite: str, results: list[Result], context: Context) -> None:
    influx.write(line_protocol(suite, results, context, time.time_ns()))


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def baseline(
    influx: Influx, suite: str, context: Context, runs: int, branch: str = "main"
) -> dict[str, tuple[float, str]]:
    """Per benchmark, the median of its last `runs` values recorded on `branch` by this runner
    class, and its unit."""
    where = " AND ".join(
        f'"{key}" = {_quote(value)}'
        for key, value in (
            ("suite", suite),
            ("repository", context.repository),
            ("branch", branch),
            ("runner", context.runner),
        )
    )
    document = influx.query(
        f'SELECT "value" FROM "{MEASUREMENT}" WHERE {where} GROUP BY "name", "unit" ORDER BY time DESC LIMIT {runs}'
    )
    medians = {}
    for result in document.get("results", []):
        for series in result.get("series", []):
            values = [row[1] for row in series["values"] if row[1] is not None]
            if values:
                medians[series["tags"]["name"]] = (statistics.median(values), series["tags"]["unit"])
    return medians


@dataclass(frozen=True)
class Verdict:
    """One row of the comparison."""

    name: str
    baseline: float | None
    current: float | None
    unit: str
    change: float | None  # relative change; positive is worse
    status: str  # ok, improved, REGRESSION, new, missing


def compare(results: list[Result], medians: dict[str, tuple[float, str]], threshold: float) -> list[Verdict]:
    """Each benchmark against its baseline; worse by more than `threshold` is a regression."""
    rows = []
    for result in results:
        base = medians[result.name][0] if result.name in medians else None
        if base is None:
            rows.append(Verdict(result.name, None, result.value, result.unit, None, "new"))
            continue
        change = (result.value - base) / base if base else 0.0
        worse = change if result.lower_is_better else -change
        status = "REGRESSION" if worse > threshold else "improved" if worse < -threshold else "ok"
        rows.append(Verdict(result.name, base, result.value, result.unit, worse, status))
    current = {result.name for result in results}
    rows += [
        Verdict(name, value, None, unit, None, "missing")
        for name, (value, unit) in sorted(medians.items())
        if name not in current
    ]
    return rows


def table(rows: list[Verdict], suite: str, threshold: float, markdown: bool) -> str:
    """The comparison for people: plain text, or markdown for a job summary or a PR comment."""

    def number(value: float | None, unit: str) -> str:
        return "-" if value is None else f"{value:.4g} {unit}".strip()

    cells = [
        [
            row.name,
            number(row.baseline, row.unit),
            number(row.current, row.unit),
            "-" if row.change is None else f"{row.change * 100:+.1f}%",
            row.status,
        ]
        for row in rows
    ]
    header = ["benchmark", "baseline (median)", "this run", "worse by", "verdict"]
    regressions = sum(row.status == "REGRESSION" for row in rows)
    summary = f"{suite}: {regressions} regression(s) beyond {threshold * 100:g}%"
    if markdown:
        lines = [f"### Performance: {summary}", "", "| " + " | ".join(header) + " |", "|---|---:|---:|---:|---|"]
        lines += ["| " + " | ".join([f"`{c[0]}`", *c[1:]]) + " |" for c in cells]
        return "\n".join(lines) + "\n"
    widths = [max(len(row[index]) for row in [header, *cells]) for index in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *cells]
    ]
    return "\n".join([summary, *lines]) + "\n"


def threshold_value(text: str) -> float:
    """`10%` or `0.1` -> 0.1. A bare number above 1 is refused: `5` might mean 5% or 500%."""
    percent = text.endswith("%")
    try:
        value = float(text[:-1] if percent else text)
    except ValueError:
        raise ResultsError(f"--threshold: {text!r} is not a percentage (10%) or a fraction (0.1)") from None
    if not math.isfinite(value) or value <= 0:
        raise ResultsError(f"--threshold: {text!r} must be a number above 0, as 10% or 0.1")
    if percent:
        return value / 100
    if value >= 1:
        raise ResultsError(
            f"--threshold: {text!r} is ambiguous: write a percentage ({value:g}%) or a fraction below 1 "
            f"({value / 100:g} for {value:g}%)"
        )
    return value
