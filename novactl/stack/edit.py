"""Edit a stack file the way `pulumi config set --path` would, keeping comments and quoting.

Only the value at the path changes; every other byte of the file stays as it was.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from novactl.stack.files import StackError


def _yaml() -> YAML:
    yaml = YAML()  # round-trip mode: comments, order and quotes survive
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def quoted_map(values: dict[str, str]) -> CommentedMap:
    """A mapping of strings written quoted, as `pulumi config set --path` writes strings."""
    node = CommentedMap()
    for key, value in values.items():
        node[key] = DoubleQuotedScalarString(value)
    return node


class StackFileEditor:
    """A stack file loaded for editing (from `original`, its text, when the caller read it);
    `text()` is the edited file."""

    def __init__(self, path: Path, original: str | None = None):
        self.path = path
        try:
            self.document = _yaml().load(path.read_text() if original is None else original)
        except FileNotFoundError:
            raise StackError(f"{path.name}: stack file not found") from None
        if not isinstance(self.document, CommentedMap) or not isinstance(self.document.get("config"), CommentedMap):
            raise StackError(f"{path.name}: config: expected a mapping")
        self.edited: list[tuple[str, tuple[str, ...]]] = []  # (key, path) of every set and delete

    def set_path(self, key: str, path: list[str], value: Any, quoted: bool = False) -> None:
        """Set config `key` at `path`, creating intermediate objects like `--path` does."""
        self.edited.append((key, tuple(path)))
        node = self.document["config"].setdefault(key, CommentedMap())
        for step in path[:-1]:
            if step not in node:
                node[step] = CommentedMap()
            node = node[step]
            if not isinstance(node, CommentedMap):
                raise StackError(f"{self.path.name}: {key}.{'.'.join(path)}: {step} is not an object")
        node[path[-1]] = DoubleQuotedScalarString(value) if quoted else value

    def delete_path(self, key: str, path: list[str]) -> None:
        """Remove config `key` at `path`, as `pulumi config rm --path` does (nothing if absent)."""
        self.edited.append((key, tuple(path)))
        node = self.document["config"].get(key)
        for step in path[:-1]:
            if not isinstance(node, CommentedMap) or step not in node:
                return
            node = node[step]
        if isinstance(node, CommentedMap) and path[-1] in node:
            del node[path[-1]]

    def text(self) -> str:
        """The document as YAML text."""
        buffer = io.StringIO()
        _yaml().dump(self.document, buffer)
        return buffer.getvalue()

    def save(self) -> None:
        """Write the edited document back."""
        self.path.write_text(self.text())
