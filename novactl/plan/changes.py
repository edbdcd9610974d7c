"""The records of a plan, and how they print: a ResourceChange per resource the next `pulumi up`
creates, updates, replaces or deletes, with a FieldChange per changed input. `diff` and every
edit verb print these same records (novactl/plan/compare.py makes them). No Pulumi SDK here:
`novactl completion` imports the edit verbs, which print them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal


class _Absent:
    """A field that is not there at all, as opposed to one set to null: the two print
    differently (`+ value` / `- value` against `null`)."""

    def __repr__(self) -> str:
        return "(absent)"

    def __copy__(self) -> _Absent:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _Absent:
        return self


ABSENT: Final = _Absent()


@dataclass(frozen=True)
class FieldChange:
    """One changed leaf: dotted path, old and new value (ABSENT when the field is not there)."""

    path: str
    before: Any
    after: Any


def _variables(items: list[Any]) -> dict[str, Any] | None:
    """An `env` list by variable name (a literal's value, or its whole source), when every
    item is a named variable: a reviewer reads `env.RUST_LOG`, not `env[8].value`."""
    if not all(isinstance(item, dict) and isinstance(item.get("name"), str) for item in items):
        return None
    named = {item["name"]: (item["value"] if set(item) == {"name", "value"} else item) for item in items}
    return named if len(named) == len(items) else None


def field_changes(before: Any, after: Any, path: str = "") -> list[FieldChange]:
    """Every leaf that differs; lists compare element by element, `env` lists by name."""
    if path.endswith("env") and isinstance(before, list) and isinstance(after, list):
        old, new = _variables(before), _variables(after)
        if old is not None and new is not None:
            return field_changes(old, new, path)
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[FieldChange] = []
        for key in sorted(set(before) | set(after), key=str):
            child = f"{path}.{key}" if path else str(key)
            changes += field_changes(before.get(key, ABSENT), after.get(key, ABSENT), child)
        return changes
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        changes = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            changes += field_changes(old, new, f"{path}[{index}]")
        return changes
    return [] if before == after else [FieldChange(path, before, after)]


def short(value: Any, width: int = 120) -> str:
    """A value on one line of at most `width` characters."""
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= width else f"{text[: width - 3]}..."


CONTEXT = 12  # characters kept around the part of a long string that changed


def changed_part(before: str, after: str) -> tuple[str, str]:
    """The part of two long strings that differs, with a little context: a long value such as
    OTEL_RESOURCE_ATTRIBUTES shows what changed in it, not 120 characters of what did not."""
    prefix = 0
    while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(before), len(after)) - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    start = max(0, prefix - CONTEXT)

    def part(text: str) -> str:
        end = len(text) - max(0, suffix - CONTEXT)
        return ("..." if start else "") + text[start:end] + ("..." if end < len(text) else "")

    return part(before), part(after)


def field_line(change: FieldChange) -> str:
    """`path: before -> after`, as diff, release, switch, canary and rollback all print it."""
    if change.before is ABSENT:
        return f"{change.path}: + {short(change.after)}"
    if change.after is ABSENT:
        return f"{change.path}: - {short(change.before)}"
    before, after = change.before, change.after
    if isinstance(before, str) and isinstance(after, str) and max(len(before), len(after)) > 2 * CONTEXT + 20:
        before, after = changed_part(before, after)
    return f"{change.path}: {short(before)} -> {short(after)}"


Action = Literal["create", "update", "replace", "delete"]
ACTIONS: tuple[Action, ...] = ("create", "update", "replace", "delete")
SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-"}


@dataclass(frozen=True)
class ResourceChange:
    """One resource the next `pulumi up` creates, updates, replaces or deletes. `name` is the
    Pulumi resource's name; `kind` and `namespace` are the Kubernetes object's (None for other
    resources). A Job whose object name carries a hash of its spec shows the new name as its
    `metadata.name` field."""

    action: Action
    urn: str
    type: str
    name: str
    kind: str | None = None
    namespace: str | None = None
    fields: tuple[FieldChange, ...] = ()
    reasons: tuple[str, ...] = ()  # why a replace is a replace
    notes: tuple[str, ...] = ()  # what the change means for traffic (the live colour restarts)

    def what(self) -> str:
        """`Service nova-staging/feed-service` for a Kubernetes object, else `type  name`."""
        if self.kind is None:
            return f"{self.type}  {self.name}"
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"

    def describe(self) -> str:
        """`update Service nova-staging/feed-service` style."""
        return f"{self.action} {self.what()}"

    def lines(self) -> list[str]:
        """The change as `diff` and the edit verbs print it: the resource, why a replace is one,
        what it means for traffic, and each changed field."""
        reasons = f"  ({'; '.join(self.reasons)})" if self.reasons else ""
        return [
            f"{SYMBOLS[self.action]:>2} {self.action:<8} {self.what()}{reasons}",
            *(f"      ! {note}" for note in self.notes),
            *(f"      {field_line(item)}" for item in self.fields),
        ]


def change_record(change: ResourceChange) -> dict[str, Any]:
    """The change as `--json` prints it, the same for `diff` and every edit verb."""
    return asdict(change)
