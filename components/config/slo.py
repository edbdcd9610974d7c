"""Service level objectives in the stack config: `slos` lists in serviceDefaults and services.

    slos:
      - {name: availability, kind: availability, objective: 99.5}
      - {name: latency-500ms, kind: latency, threshold: 0.5, objective: 99}

A service's list is merged with the defaults' by name: an entry with the same name replaces
the default entry whole, other entries add to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from components import conventions
from components.config.fields import ConfigError, choice, mapping, reject_unknown

SloKind = Literal["availability", "latency"]
SLO_KINDS: tuple[SloKind, ...] = ("availability", "latency")
SLO_WINDOW_DAYS = 30

DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""The services' default histogram buckets (docs/metrics.md); latency thresholds must be one."""


@dataclass(frozen=True)
class SloSpec:
    """One SLO of one service."""

    name: str
    kind: SloKind
    objective: float  # percent, e.g. 99.5
    threshold: float | None  # seconds, latency SLOs only

    @property
    def objective_ratio(self) -> float:
        """The objective as a ratio: 99.5 -> 0.995."""
        return self.objective / 100

    @property
    def error_budget(self) -> float:
        """The share of events allowed to be bad: 99.5 -> 0.005."""
        return 1 - self.objective_ratio


SloEntry = tuple[str, Mapping[str, Any]]
"""An SLO as written: the `--path` key it was written at, and its fields."""


def slo_list(value: Any, key: str) -> list[SloEntry]:
    """Shape-check an `slos` list (each entry an object with a unique name)."""
    if not isinstance(value, list):
        raise ConfigError(key, f"expected a list of SLOs, got {type(value).__name__}")
    seen: set[str] = set()
    entries = []
    for index, entry in enumerate(value):
        entry_key = f"{key}[{index}]"
        block = mapping(entry, entry_key)
        reject_unknown(block, ("name", "kind", "objective", "threshold"), entry_key)
        name = block.get("name")
        if not isinstance(name, str) or not conventions.DNS_LABEL.fullmatch(name):
            raise ConfigError(f"{entry_key}.name", f"{name!r} is not a valid SLO name (lowercase letters, digits, '-')")
        if name in seen:
            raise ConfigError(f"{entry_key}.name", f"duplicate SLO name {name!r}")
        seen.add(name)
        entries.append((entry_key, block))
    return entries


def merge_slos(defaults: list[SloEntry], overrides: list[SloEntry]) -> list[SloEntry]:
    """The defaults' SLOs with the service's own replacing or adding by name."""
    merged = {entry["name"]: (key, entry) for key, entry in defaults}
    merged.update({entry["name"]: (key, entry) for key, entry in overrides})
    return list(merged.values())


def parse_slos(entries: list[SloEntry], buckets: tuple[float, ...]) -> tuple[SloSpec, ...]:
    """Validate merged SLO entries against the service's histogram buckets."""
    slos = []
    for entry_key, entry in entries:
        kind = choice(entry.get("kind", "availability"), f"{entry_key}.kind", SLO_KINDS)
        objective = entry.get("objective")
        if isinstance(objective, bool) or not isinstance(objective, int | float):
            raise ConfigError(f"{entry_key}.objective", f"expected a percentage such as 99.5, got {objective!r}")
        if not 0 < objective < 100:
            raise ConfigError(f"{entry_key}.objective", f"{objective} is outside (0, 100)")
        threshold = entry.get("threshold")
        if kind == "availability" and threshold is not None:
            raise ConfigError(f"{entry_key}.threshold", "only latency SLOs have a threshold")
        if kind == "latency":
            if isinstance(threshold, bool) or not isinstance(threshold, int | float):
                raise ConfigError(f"{entry_key}.threshold", f"expected seconds such as 0.5, got {threshold!r}")
            if float(threshold) not in buckets:
                raise ConfigError(
                    f"{entry_key}.threshold",
                    f"{threshold} is not a histogram bucket boundary ({', '.join(f'{b:g}' for b in buckets)}); "
                    "only a boundary can be measured exactly",
                )
            threshold = float(threshold)
        slos.append(SloSpec(str(entry["name"]), kind, float(objective), threshold))
    return tuple(slos)


def histogram_buckets(value: Any, key: str) -> tuple[float, ...]:
    """The `le` boundaries a service's latency histogram exposes, strictly increasing."""
    if not isinstance(value, list) or not value:
        raise ConfigError(key, "expected a non-empty list of bucket boundaries in seconds")
    buckets = []
    for index, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, int | float) or item <= 0:
            raise ConfigError(f"{key}[{index}]", f"expected a positive number of seconds, got {item!r}")
        buckets.append(float(item))
    if buckets != sorted(set(buckets)):
        raise ConfigError(key, "bucket boundaries must be strictly increasing")
    return tuple(buckets)
