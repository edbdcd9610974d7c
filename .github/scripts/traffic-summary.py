"""What a deployment changed for traffic: one line per service whose live colour or live tag
moved between two versions of a stack file (`services.<name>.active` and `.tags`).

Usage: traffic-summary.py BEFORE.yaml AFTER.yaml   (a missing BEFORE is an empty stack)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

SERVICES = "nova-platform:services"


def services(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    document = yaml.safe_load(path.read_text()) or {}
    found: dict[str, Any] = (document.get("config") or {}).get(SERVICES) or {}
    return found


def live(entry: dict[str, Any]) -> str:
    color = entry.get("active", "-")
    canary = f" (canary {entry['canary'].get('pods', 1)} pod(s))" if isinstance(entry.get("canary"), dict) else ""
    return f"{color} {(entry.get('tags') or {}).get(color, '-')}{canary}"


def summary(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    lines = []
    for name in sorted(set(before) | set(after)):
        old, new = live(before.get(name, {})), live(after.get(name, {}))
        if old != new or before.get(name, {}).get("tags") != after.get(name, {}).get("tags"):
            lines.append(f"{name}: {old} -> {new}; tags {after.get(name, {}).get('tags', {})}")
    return lines


def main(argv: list[str]) -> int:
    lines = summary(services(Path(argv[1])), services(Path(argv[2])))
    print("\n".join(lines) if lines else "no traffic changes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
