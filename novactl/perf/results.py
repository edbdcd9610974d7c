"""Benchmark results in: the small native JSON format (a list of `{name, value, unit,
lowerIsBetter?}`, or `{"results": [...]}`) or the files people already have, Criterion's
`estimates.json`, hyperfine's `--export-json` and k6's `--summary-export` (docs/performance.md)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from novactl.errors import UsageError

TIME_UNITS = {"ns", "us", "µs", "ms", "s", "min"}


class ResultsError(UsageError):
    """A results file that cannot be read; str() names the file and the field."""


@dataclass(frozen=True)
class Result:
    """One benchmark's value in one run."""

    name: str
    value: float
    unit: str
    lower_is_better: bool


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
