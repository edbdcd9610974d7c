"""Pulumi.yaml + Pulumi.<stack>.yaml -> the flat config map the engine hands a program.

Merged as the Pulumi CLI merges them: project-level defaults first, the stack file over them,
then --config/--secret overrides (same `--path` semantics as `pulumi config set --path`).
Values reach the program as strings, objects as JSON, exactly like PULUMI_CONFIG.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components.config.fields import ConfigError
from components.config.secrets import SECRET_KEYS, service_secret_keys
from components.config.stack import PlatformConfig, decode_engine_config, parse_platform_config, plain_text_secret
from components.config.workload import credential_in_env
from components.conventions import PROJECT
from novactl.errors import UsageError

SERVICES_KEY = f"{PROJECT}:services"
"""The stack files' key of the services: what the edit verbs edit and history reads."""
SecretKeys = Callable[[Mapping[str, Any]], Iterable[str]]
"""The secret keys a program reads, given the stack's values (keys without the namespace)."""


def platform_secret_keys(values: Mapping[str, Any]) -> tuple[str, ...]:
    """This checkout's secret keys: the platform's own and those its services read."""
    return (*SECRET_KEYS, *service_secret_keys(values))


class StackError(UsageError):
    """A stack or project file that cannot be read; str() is the one-line message."""


@dataclass
class StackConfig:
    """The merged config of one stack, with which keys are secret."""

    project: str
    stack: str
    values: dict[str, Any]  # `namespace:key` -> plain value (objects stay objects here)
    secret_keys: set[str] = field(default_factory=set)
    secret_values: set[str] = field(default_factory=set)  # to scrub from every output
    unset_secrets: list[str] = field(default_factory=list)  # secrets a placeholder stood in for

    def own_values(self) -> dict[str, Any]:
        """The project's keys without their namespace (`services`, not `nova-platform:services`)."""
        prefix = f"{self.project}:"
        return {key.removeprefix(prefix): value for key, value in self.values.items() if key.startswith(prefix)}

    def engine_config(self) -> dict[str, str]:
        """The config as the engine serialises it: strings, objects as JSON."""
        return {key: _engine_string(value) for key, value in self.values.items()}


def stack_file(project_dir: Path, stack: str) -> Path:
    """Where the CLI looks for a stack's config."""
    return project_dir / f"Pulumi.{stack}.yaml"


def available_stacks(project_dir: Path) -> list[str]:
    """The stacks that have a stack file next to Pulumi.yaml."""
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in project_dir.glob("Pulumi.*.yaml"))


def read_yaml(path: Path, text: str | None = None) -> dict[str, Any]:
    """A YAML mapping from `path` (or `text`), with a one-line error when missing or malformed.

    Duplicate keys are refused, as the Pulumi CLI's YAML reader refuses them: PyYAML would let
    the last one win in silence. Anchors and aliases are refused before anything expands them:
    nested aliases grow exponentially (a "billion laughs" of depth 10 held render, check and
    the commit hook for minutes), and a stack file has no need of them.
    """
    try:
        source = path.read_text() if text is None else text
        _refuse_anchors(source)
        loader = _LOADER(source)
        try:
            node = loader.get_single_node()
            _refuse_duplicate_keys(path, node)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except FileNotFoundError:
        raise StackError(f"{path.name}: file not found in {path.parent}") from None
    except _AnchorFoundError as found:
        event = found.event
        kind, sigil = ("alias", "*") if isinstance(event, yaml.AliasEvent) else ("anchor", "&")
        line = f"line {event.start_mark.line + 1}: " if event.start_mark else ""
        raise StackError(
            f"{path.name}: {line}YAML {kind} {sigil}{found.anchor} is not allowed "
            "in a stack file (aliases can expand without bound); write the value out"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise StackError(f"{path.name}: not valid YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise StackError(f"{path.name}: expected a mapping at the top level")
    return data


# libyaml's parser when PyYAML has it: a tenth of the pure-Python one's time on a stack file,
# read two to four times by every verb.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _AnchorFoundError(Exception):
    def __init__(self, event: yaml.Event, anchor: str):
        super().__init__(anchor)
        self.event, self.anchor = event, anchor


def _refuse_anchors(source: str) -> None:
    """Stop at the first anchor or alias. Events come one by one, in the order of the text, and
    an alias is one event, never its expansion: nothing is expanded before this pass is over."""
    for event in yaml.parse(source, Loader=_LOADER):
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _AnchorFoundError(event, anchor)


def _refuse_duplicate_keys(path: Path, node: yaml.Node | None, where: str = "") -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark)
            line = key.start_mark.line + 1
            full = f"{where}.{name}" if where else str(name)
            if name in seen:
                raise StackError(f"{path.name}: duplicate key {full} (lines {seen[name]} and {line})")
            seen[name] = line
            _refuse_duplicate_keys(path, value, full)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _refuse_duplicate_keys(path, item, f"{where}[{index}]")


def load_stack_config(
    project_dir: Path,
    stack: str,
    overrides: list[str] | None = None,
    *,
    secret_overrides: list[str] | None = None,
    stack_text: str | None = None,
    placeholder_secrets: bool = False,
    secret_keys: SecretKeys = platform_secret_keys,
) -> StackConfig:
    """Merge project defaults, the stack file and overrides for `stack`.

    `stack_text` stands in for the stack file's content (an edit not yet written).
    `placeholder_secrets` stands in an obvious placeholder for each of the program's secrets
    that the stack does not set, as a `--secret` would (the real CLI would refuse the stack).
    """
    project_file = read_yaml(project_dir / "Pulumi.yaml")
    project = project_file.get("name")
    if not isinstance(project, str):
        raise StackError("Pulumi.yaml: name: the project needs a name")
    path = stack_file(project_dir, stack)
    if stack_text is None and not path.exists():
        known = ", ".join(available_stacks(project_dir)) or "none"
        raise StackError(f"{path.name}: stack file not found (stacks here: {known})")
    stack_data = read_yaml(path, stack_text)

    config = StackConfig(project=project, stack=stack, values={})
    for key, declaration in (project_file.get("config") or {}).items():
        default = declaration.get("default") if isinstance(declaration, dict) else declaration
        if default is not None:
            config.values[_qualify(project, key)] = default

    stack_values = stack_data.get("config") or {}
    if not isinstance(stack_values, dict):
        raise StackError(f"{path.name}: config: expected a mapping")
    for key, value in stack_values.items():
        full_key = _qualify(project, str(key))
        own = full_key.removeprefix(f"{project}:") if full_key.startswith(f"{project}:") else None
        config.values[full_key] = _replace_secure(value, full_key, config, own)

    for assignment in overrides or []:
        _apply_override(config, assignment, secret=False)
    for assignment in secret_overrides or []:
        _apply_override(config, assignment, secret=True)
    if placeholder_secrets:
        for key in secret_keys(config.own_values()):
            full_key = _qualify(project, key)
            if full_key not in config.values:
                config.values[full_key] = _placeholder(config, full_key)
                config.unset_secrets.append(key)
    return config


def _qualify(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _placeholder(config: StackConfig, key: str, ciphertext: str = "") -> str:
    """A stand-in for a secret that cannot be had offline, marked secret so it is masked.

    It carries a digest of the `secure:` ciphertext, so a changed secret renders differently
    (novactl diff sees the change) while its value stays unknown and masked.
    """
    digest = f"-{hashlib.sha256(ciphertext.encode()).hexdigest()[:12]}" if ciphertext else ""
    placeholder = f"offline-placeholder-{key.replace(':', '-')}{digest}"
    config.secret_keys.add(key)
    config.secret_values.add(placeholder)
    return placeholder


def _replace_secure(value: Any, key: str, config: StackConfig, where: str | None = None, nested: bool = False) -> Any:
    """`secure:` ciphertext cannot be decrypted offline: a placeholder stands in, kept secret.

    `where` is the value's path inside one of the project's own keys. A `secure:` value below
    the top of one (`pulumi config set --path --secret services.x.env.Y`) is refused: it would
    reach the cluster as a plain value, the program cannot tell it from the rest of the object.
    """
    if isinstance(value, dict) and set(value) == {"secure"}:
        if nested and where is not None:
            raise ConfigError(
                where,
                "a secret inside an object would reach the cluster as a plain value (the program cannot tell it "
                "from the rest of the object); store it as a key of its own with pulumi config set --secret and "
                "name that key in the service's secretEnv",
                f"Pulumi.{config.stack}.yaml",
            )
        return _placeholder(config, key, str(value["secure"]))
    if isinstance(value, dict):
        return {
            name: _replace_secure(item, key, config, where and f"{where}.{name}", True) for name, item in value.items()
        }
    if isinstance(value, list):
        return [
            _replace_secure(item, key, config, where and f"{where}[{index}]", True) for index, item in enumerate(value)
        ]
    return value


def _path_value(text: str) -> Any:
    # `pulumi config set --path` stores true/false and integers as such, everything else as text.
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?(0|[1-9]\d*)", text):
        return int(text)
    return text


def _apply_override(config: StackConfig, assignment: str, secret: bool) -> None:
    flag = "--secret" if secret else "--config"
    key_path, separator, text = assignment.partition("=")
    if not separator or not key_path:
        raise StackError(f"{flag} {assignment!r}: expected KEY=VALUE (KEY may be a path: services.feed-service.active)")
    namespace, _, rest = key_path.partition(":") if ":" in key_path.split(".")[0] else ("", "", key_path)
    top, *path = rest.split(".")
    full_key = f"{namespace or config.project}:{top}"
    value: Any = _path_value(text) if path else text
    if secret:
        config.secret_keys.add(full_key)
        config.secret_values.add(text)
    if not path:
        config.values[full_key] = value
        return
    node = config.values.setdefault(full_key, {})
    for step in path[:-1]:
        if not isinstance(node, dict):
            raise StackError(f"{flag} {key_path}: {step} is not an object in this stack")
        node = node.setdefault(step, {})
    if not isinstance(node, dict):
        raise StackError(f"{flag} {key_path}: cannot set a key inside a non-object value")
    node[path[-1]] = value


def _engine_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def stack_from_argument(argument: str) -> str:
    """A stack name, given as `staging` or as its file `Pulumi.staging.yaml` (any folder)."""
    match = re.fullmatch(r"(?:.*/)?Pulumi\.([^/]+)\.yaml", argument)
    return match.group(1) if match else argument


def plaintext_secrets(project_dir: Path, stack: str) -> list[str]:
    """The secret keys a stack sets in plain text: each a one-line error.

    From the config files alone (no render), so a commit hook can run it on every stack file
    in a second: the platform's own secret keys and every key a `secretEnv` names. A `secure:`
    value is what load_stack_config records as secret.
    """
    config = load_stack_config(project_dir, stack)
    file_name = stack_file(project_dir, stack).name
    plain = [
        key
        for key in platform_secret_keys(config.own_values())
        if (full_key := _qualify(config.project, key)) in config.values and full_key not in config.secret_keys
    ]
    errors = [str(plain_text_secret(key, stack, file_name)) for key in plain]
    for key, name, value in _literal_variables(config.own_values()):
        reason = credential_in_env(name, value) if isinstance(value, str) else None
        if reason:
            errors.append(str(ConfigError(key, reason, file_name)))
    return errors


def _literal_variables(values: Mapping[str, Any]) -> Iterable[tuple[str, str, Any]]:
    """(key, name, value) of every `env` and `colorEnv` variable the stack file writes."""
    blocks: list[tuple[str, Any]] = [("serviceDefaults", values.get("serviceDefaults"))]
    services = values.get("services")
    if isinstance(services, dict):
        blocks += [(f"services.{name}", entry) for name, entry in services.items()]
    for path, block in blocks:
        if not isinstance(block, dict):
            continue
        env_blocks = [(f"{path}.env", block.get("env"))]
        color_env = block.get("colorEnv")
        if isinstance(color_env, dict):
            env_blocks += [(f"{path}.colorEnv.{color}", env) for color, env in color_env.items()]
        for where, env in env_blocks:
            if isinstance(env, dict):
                yield from ((f"{where}.{name}", str(name), value) for name, value in env.items())


def platform_config(config: StackConfig) -> PlatformConfig:
    """The validated PlatformConfig of a stack, without running the program."""
    flat = config.engine_config()
    return parse_platform_config(decode_engine_config(flat, config.stack, config.secret_keys), config.stack)
