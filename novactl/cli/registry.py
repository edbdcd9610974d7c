"""Every verb: its name, the module under novactl.verbs that declares and runs it, and its
one-line summary for `novactl --help`. Only the verb that runs is imported."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Verb:
    name: str
    summary: str

    def load(self) -> ModuleType:
        """The verb's module: `add_arguments(parser)` and the handler it sets."""
        return importlib.import_module(f"novactl.verbs.{self.name}")


VERBS: tuple[Verb, ...] = (
    Verb("render", "run the program offline; write stack.json and manifests"),
    Verb("check", "render STACK and run the policy pack's rules, kubernetes-validate, promtool and amtool"),
    Verb("secrets", "refuse secret keys set in plain text in stack files (no render)"),
    Verb("diff", "what the next `pulumi up` changes between git REF and the working tree"),
    Verb("switch", "make COLOR the active colour of SERVICE (or --all)"),
    Verb("canary", "put the idle colour of SERVICE into live traffic with --pods pods"),
    Verb("release", "put TAG on the inactive colour of SERVICE"),
    Verb("rollback", "switch SERVICE back to the colour that served before its last switch (from git history)"),
    Verb("perf", "benchmark results into InfluxDB, and against their baseline"),
    Verb("status", "the colours, tags and sizes a stack file declares"),
    Verb("reach", "whether FROM may connect to TO:PORT by the stack's NetworkPolicies, and which policy decides"),
    Verb("history", "releases, switches, canaries and rollbacks of a stack (or SERVICE), from git"),
    Verb("completion", 'print a shell completion script: eval "$(novactl completion bash)"'),
)
