"""One edit of a stack file, from reading it to the plan: what `release`, `switch`, `canary` and
`rollback` share, so that each of them is only its rules.

A StackEdit reads the stack file once and parses the platform once; the verb reads the
platform, refuses what its rules refuse, and sets or deletes `services.<name>...` as
`pulumi config set --path` / `pulumi config rm --path` would. `finish` validates the edited file
as the program will, renders before and after (only the edited services when that is all that
changed, novactl/engine/scoped.py), plans with the `compare` that `diff` uses, and writes the
file unless it is a dry run. The Pulumi SDK loads in `finish`, when an edit is planned:
`novactl completion` and `--help` import the edit verbs, and never the SDK
(tests/cli/test_import_boundary.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.config.fields import ConfigError
from components.config.services import ServiceSpec
from components.config.stack import PlatformConfig
from novactl.plan.changes import ResourceChange
from novactl.stack.declared import find_service
from novactl.stack.edit import StackFileEditor
from novactl.stack.files import SERVICES_KEY, StackConfig, load_stack_config, platform_config, stack_file


@dataclass
class EditResult:
    """What an edit did: messages for the user, the plan of the next `pulumi up`, and whether
    the stack file was written."""

    messages: list[str]
    changes: list[ResourceChange]
    written: bool


class StackEdit:
    """A stack file open for one edit: its config and platform as they are now."""

    def __init__(self, project_dir: Path, stack: str):
        self.project_dir = project_dir
        self.stack = stack
        self.path = stack_file(project_dir, stack)
        try:
            original: str | None = self.path.read_text()
        except FileNotFoundError:
            original = None  # load_stack_config refuses it, naming the stacks there are
        self.config = self._load(original)
        self.platform: PlatformConfig = platform_config(self.config)
        self.editor = StackFileEditor(self.path, original)

    def _load(self, text: str | None) -> StackConfig:
        return load_stack_config(self.project_dir, self.stack, stack_text=text, placeholder_secrets=True)

    def service(self, name: str) -> ServiceSpec:
        """The service `name` as the stack declares it (a one-line error naming the key if unknown)."""
        return find_service(self.platform, name)

    def refusal(self, key: str, message: str) -> ConfigError:
        """A refusal of the edit, naming the stack file and the key, as a config mistake is named."""
        return ConfigError(key, message, self.path.name)

    def set(self, service: str, path: list[str], value: Any, quoted: bool = False) -> None:
        """`pulumi config set --path services.<service>.<path> value`."""
        self.editor.set_path(SERVICES_KEY, [service, *path], value, quoted)

    def delete(self, service: str, path: list[str]) -> None:
        """`pulumi config rm --path services.<service>.<path>` (nothing if it is not set)."""
        self.editor.delete_path(SERVICES_KEY, [service, *path])

    def finish(self, messages: list[str], dry_run: bool) -> EditResult:
        """Validate the edited file, plan what it changes, and write it (not on a dry run)."""
        from novactl.engine.render import render_config  # noqa: PLC0415 - the SDK, see the module's doc
        from novactl.engine.scoped import services_program  # noqa: PLC0415
        from novactl.plan.compare import compare  # noqa: PLC0415

        edited = self._load(self.editor.text())
        after_platform = platform_config(edited)  # a ConfigError names the file and the key
        services = edited_services(self.editor)
        program = services_program(services) if services is not None else None
        before = render_config(self.project_dir, self.config, program=program, parsed=self.platform)
        after = render_config(self.project_dir, edited, program=program, parsed=after_platform)
        changes = compare(before, after)
        if not dry_run:
            self.editor.save()
        return EditResult(messages, changes, written=not dry_run)


def unchanged(messages: list[str]) -> EditResult:
    """An edit with nothing to do: nothing planned, nothing written."""
    return EditResult(messages, [], written=False)


def edited_services(editor: StackFileEditor) -> list[str] | None:
    """The services whose own settings are all that `editor` changed, or None when it changed
    anything else (then only a full render knows what follows)."""
    names: set[str] = set()
    for key, path in editor.edited:
        if key != SERVICES_KEY or len(path) < 2:
            return None
        names.add(path[0])
    return sorted(names)
