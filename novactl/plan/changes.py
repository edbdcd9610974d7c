"""Field-level changes between two sets of Kubernetes objects (before and after an edit)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

ObjectKey = tuple[str, str, str]  # (kind, namespace, name)


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


@dataclass(frozen=True)
class ObjectChange:
    """An object created, deleted or updated, with its changed fields when updated."""

    action: str  # create | delete | update | replace
    key: ObjectKey
    fields: tuple[FieldChange, ...] = ()

    def describe(self) -> str:
        """`update Service nova-staging/feed-service` style."""
        kind, namespace, name = self.key
        where = f"{namespace}/{name}" if namespace else name
        return f"{self.action} {kind} {where}"


def object_key(manifest: dict[str, Any]) -> ObjectKey:
    """The identity of a Kubernetes object."""
    metadata = manifest.get("metadata", {})
    return (manifest["kind"], metadata.get("namespace", ""), metadata.get("name", ""))


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


_HASHED = re.compile(r"(?P<stem>.+)-[0-9a-f]{8}")


def with_replacements(changes: list[ObjectChange]) -> list[ObjectChange]:
    """A Job whose name carries a hash of its spec (the smoke test, the analysis) is created
    anew and the old one deleted: the same thing `pulumi up` and `novactl diff` call a replace,
    so it is said with that one word, the new name its changed field."""
    created = {
        (change.key[0], change.key[1], match["stem"]): change
        for change in changes
        if change.action == "create" and (match := _HASHED.fullmatch(change.key[2]))
    }
    merged: dict[ObjectKey, ObjectChange] = {}
    for change in changes:
        match = _HASHED.fullmatch(change.key[2]) if change.action == "delete" else None
        new = created.pop((change.key[0], change.key[1], match["stem"]), None) if match else None
        if new is not None:
            merged[change.key] = ObjectChange(
                "replace", new.key, (FieldChange("metadata.name", change.key[2], new.key[2]),)
            )
    replaced = {replacement.key for replacement in merged.values()}
    result = []
    for change in changes:
        if change.key in merged:
            result.append(merged[change.key])
        elif not (change.action == "create" and change.key in replaced):
            result.append(change)
    return result


def object_changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[ObjectChange]:
    """What changes between two renders' manifests, in a stable order."""
    old = {object_key(item): item for item in before}
    new = {object_key(item): item for item in after}
    changes: list[ObjectChange] = []
    for key in sorted(set(old) | set(new)):
        if key not in old:
            changes.append(ObjectChange("create", key))
        elif key not in new:
            changes.append(ObjectChange("delete", key))
        else:
            fields = field_changes(old[key], new[key])
            if fields:
                changes.append(ObjectChange("update", key, tuple(fields)))
    return changes


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
