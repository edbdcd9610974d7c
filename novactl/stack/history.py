"""`novactl history` and `novactl rollback`: what happened to a service's traffic, from the git
history of its stack file, and the switch back to the colour that served before the last switch.

Every release, switch, canary and rollback is a commit of `Pulumi.<stack>.yaml` (novactl and the
promote workflow commit each step), so git already is the history: who, when, which commit,
and the colours and tags before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components.config.fields import ConfigError
from components.config.services import ServiceSpec
from components.conventions import COLORS, PROJECT, Color
from novactl.stack.files import SERVICES_KEY, StackError, stack_file
from novactl.stack.git import git

# What a colour's containers run besides the image: the service's own settings over serviceDefaults,
# and the colour's own variables (colorEnv). A rollback brings a colour back only as it was tested.
CONFIG_KEYS = ("env", "envFrom", "secretEnv", "command", "args")


@dataclass(frozen=True)
class ServiceState:
    """What the stack file says of one service's traffic at one commit."""

    active: str | None
    tags: dict[str, str] = field(default_factory=dict)
    canary_pods: int | None = None
    config: dict[str, Any] = field(default_factory=dict)  # CONFIG_KEYS, each over serviceDefaults'
    color_env: dict[str, Any] = field(default_factory=dict)  # colour -> its colorEnv

    def runs(self, color: str) -> dict[str, Any]:
        """What `color`'s containers run: its tag, the service's config and its own variables."""
        return {"tag": self.tags.get(color), **self.config, "colorEnv": self.color_env.get(color)}


@dataclass(frozen=True)
class Event:
    """One change to a service's traffic or colours, and the commit that made it."""

    commit: str
    date: str  # ISO 8601, the author's date
    author: str
    subject: str
    service: str
    kind: str  # added, release, switch, rollback, canary, canary ended
    before: ServiceState
    after: ServiceState

    def describe(self) -> str:
        before, after = self.before, self.after
        if self.kind in ("switch", "rollback"):
            return f"{self.kind} {before.active} -> {after.active} (tag {after.tags.get(str(after.active), '-')})"
        if self.kind == "release":
            changed = [c for c in COLORS if before.tags.get(c) != after.tags.get(c)]
            return "release " + ", ".join(f"{c} {before.tags.get(c, '-')} -> {after.tags.get(c, '-')}" for c in changed)
        if self.kind == "canary":
            return f"canary {after.canary_pods} pod(s) of the idle colour"
        if self.kind == "canary ended":
            return f"canary ended; {after.active} serves all"
        return f"added, {after.active} {after.tags.get(str(after.active), '-')}"


def commit_subject(verb: str, stack: str, what: str) -> str:
    """The subject of an edit verb's commit (`--commit`, and the promote workflow through it):
    `switch(staging): feed-service to green`. History reads the verb back with `subject_verb`."""
    return f"{verb}({stack}): {what}"


def subject_verb(subject: str) -> str | None:
    """The verb of a subject `commit_subject` wrote (None for any other subject)."""
    verb, parenthesis, rest = subject.partition("(")
    return verb if parenthesis and "): " in rest and verb.isidentifier() else None


def _states(text: str) -> dict[str, ServiceState]:
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return {}
    config = document.get("config") or {}
    services = config.get(SERVICES_KEY) or {}
    defaults = config.get(f"{PROJECT}:serviceDefaults") or {}
    defaults = defaults if isinstance(defaults, dict) else {}
    states = {}
    for name, entry in services.items() if isinstance(services, dict) else ():
        if isinstance(entry, dict):
            canary = entry.get("canary")
            color_env = entry.get("colorEnv")
            states[str(name)] = ServiceState(
                active=entry.get("active"),
                tags={str(color): str(tag) for color, tag in (entry.get("tags") or {}).items()},
                canary_pods=canary.get("pods", 1) if isinstance(canary, dict) else None,
                config={key: _over(defaults.get(key), entry.get(key)) for key in CONFIG_KEYS},
                color_env=dict(color_env) if isinstance(color_env, dict) else {},
            )
    return states


def _over(default: Any, own: Any) -> Any:
    """A service's setting over serviceDefaults' (mappings merge, as the config parser merges them)."""
    if isinstance(default, dict) and isinstance(own, dict):
        return {**default, **own}
    return own if own is not None else default


def _kinds(before: ServiceState | None, after: ServiceState, subject: str) -> list[str]:
    if before is None:
        return ["added"]
    kinds = []
    if before.active != after.active:
        kinds.append("rollback" if subject_verb(subject) == "rollback" else "switch")
    elif before.tags != after.tags:
        kinds.append("release")
    if after.canary_pods is not None and before.canary_pods != after.canary_pods:
        kinds.append("canary")
    elif before.canary_pods is not None and after.canary_pods is None and before.active == after.active:
        kinds.append("canary ended")
    return kinds


def history(project_dir: Path, stack: str, service: str | None = None) -> list[Event]:
    """Every traffic event of the stack (or of one service), oldest first."""
    path = stack_file(project_dir, stack)
    if not path.exists():
        raise StackError(f"{path.name}: stack file not found")
    log = git(project_dir, "log", "--reverse", "--format=%H%x1f%an%x1f%aI%x1f%s", "--", path.name)
    events: list[Event] = []
    previous: dict[str, ServiceState] = {}
    for line in log.splitlines():
        commit, author, date, subject = line.split("\x1f", 3)
        states = _states(git(project_dir, "show", f"{commit}:./{path.name}"))
        for name, state in sorted(states.items()):
            if service is not None and name != service:
                continue
            for kind in _kinds(previous.get(name), state, subject):
                events.append(Event(commit, date, author, subject, name, kind, previous.get(name, state), state))
        previous = states
    return events


def states_at(project_dir: Path, stack: str, ref: str | None) -> dict[str, ServiceState]:
    """Each service's traffic as the stack file says at commit `ref` (None: the working tree)."""
    path = stack_file(project_dir, stack)
    if ref is None:
        return _states(path.read_text())
    try:
        git(project_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except StackError:
        raise StackError(f"--since {ref}: no such commit, branch or tag (fetch it first?)") from None
    try:
        return _states(git(project_dir, "show", f"{ref}:./{path.name}"))
    except StackError:
        return {}  # the stack did not exist then


def not_as_tested(
    stack: str, service: str, color: str, *, then: ServiceState, now: ServiceState, when: str
) -> ConfigError | None:
    """The refusal when `color` no longer runs what it ran `when` (its tag, config keys or
    colorEnv), naming the first key that changed; None when it runs the same."""
    was, is_now = then.runs(color), now.runs(color)
    changed = [key for key in is_now if was.get(key) != is_now.get(key)]
    if not changed:
        return None
    key = {"tag": f"tags.{color}", "colorEnv": f"colorEnv.{color}"}.get(changed[0], changed[0])
    return ConfigError(
        f"services.{service}.{key}",
        f"{color}'s {', '.join(changed)} changed since {when}; that is a new release, not a rollback "
        "(use novactl switch if it is meant)",
        stack_file(Path("."), stack).name,
    )


def rollback_target(project_dir: Path, stack: str, service: str, declared: ServiceSpec) -> tuple[Color, Event]:
    """The colour that served before the last switch of `service`, and that switch; refused
    when that colour is no longer deployed, or runs another tag than it did then."""
    switches = [event for event in history(project_dir, stack, service) if event.kind in ("switch", "rollback")]

    def refusal(field: str, message: str) -> ConfigError:
        return ConfigError(f"services.{service}.{field}", message, f"Pulumi.{stack}.yaml")

    if not switches:
        raise refusal("active", f"no switch in the git history of Pulumi.{stack}.yaml, so nothing to roll back to")
    last = switches[-1]
    previous = next((color for color in COLORS if color == last.before.active), None)
    if previous is None:
        raise refusal("active", f"the switch in {last.commit[:12]} came from no colour; nothing to roll back to")
    if previous not in declared.tags:
        raise refusal(f"tags.{previous}", f"{previous} is no longer deployed; release it again first")
    then, now = last.before.tags.get(previous), declared.tags[previous]
    if then != now:
        raise refusal(
            f"tags.{previous}",
            f"{previous} ran {then} before the switch in {last.commit[:12]} and runs {now} now; "
            "that is a new release, not a rollback (use novactl switch if it is meant)",
        )
    current = states_at(project_dir, stack, None).get(service)
    if current is not None:
        when = f"it served before the switch in {last.commit[:12]}"
        changed = not_as_tested(stack, service, previous, then=last.before, now=current, when=when)
        if changed is not None:
            raise changed
    return previous, last
