"""InfluxDB, through its InfluxQL-compatible v1 API (`/write`, `/query`), which InfluxDB 2 serves
for every bucket with `Authorization: Token ...` and InfluxDB 1.x serves natively: a run's
results written with where and on what they ran, and the baseline medians read back."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from novactl.errors import OperationError
from novactl.perf.results import Result

MEASUREMENT = "benchmark"
RETRIES = (0.5, 1.0, 2.0)  # seconds between attempts: about 4 s before giving up


class InfluxError(OperationError):
    """InfluxDB could not be reached or refused the request; str() is one line."""


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
