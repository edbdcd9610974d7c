"""A run against its baseline: each benchmark's verdict, the table, the threshold."""

from __future__ import annotations

import math
from dataclasses import dataclass

from novactl.perf.results import Result, ResultsError


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
