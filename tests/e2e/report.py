"""rendered/e2e/report.json: what `make e2e` did under the real engine, as figures a reader can
compare from run to run: the versions that ran, each step with its outcome and wall time, the
objects the stack created, the engine's plan beside the plan the verb printed for each switch,
canary and rollback, and the wall time of `pulumi preview` beside `novactl diff` on one change.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import PROJECT_DIR

REPORT_FILE = PROJECT_DIR / "rendered" / "e2e" / "report.json"

Plan = set[tuple[str, str]]  # (URN, operation)


@dataclass
class Report:
    versions: dict[str, str] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    objects: dict[str, int] = field(default_factory=dict)
    plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time one step; it is `ok` unless it raised (the exception goes on)."""
        started = time.perf_counter()
        entry: dict[str, Any] = {"name": name, "ok": False, "seconds": 0.0}
        self.steps.append(entry)
        try:
            yield
            entry["ok"] = True
        finally:
            entry["seconds"] = round(time.perf_counter() - started, 2)

    def plan(self, name: str, engine: Plan, offline: Plan) -> None:
        """The engine's plan of one change beside the plan the verb printed for it."""
        self.plans[name] = {
            "engine_plan": sorted(map(list, engine)),
            "offline_plan": sorted(map(list, offline)),
            "agree": engine == offline,
        }

    def write(self, path: Path = REPORT_FILE) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "versions": self.versions,
            "steps": self.steps,
            "objects": self.objects,
            "plans": self.plans,
            "timings": self.timings,
        }
        path.write_text(json.dumps(document, indent=2) + "\n")
        return path
