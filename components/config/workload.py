"""What a service's container is given: environment, config references, secrets, command,
arguments and extra ports (`env`, `envFrom`, `secretEnv`, `command`, `args`, `ports`,
`colorEnv`). Each check takes the written value and its key path and returns it clean."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from components import conventions
from components.config.fields import ConfigError, boolean, describe, mapping, objects, reject_unknown, string
from components.conventions import COLORS, Color

# POSIX names (letters, digits, underscore; not starting with a digit): every shell and
# runtime reads them, where Kubernetes alone would accept more.
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A ConfigMap or Secret name: a DNS-1123 subdomain.
_OBJECT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
# A Pulumi config key of this project (what `pulumi config set --secret KEY` takes).
_CONFIG_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
# IANA_SVC_NAME, which Kubernetes requires of a named port: at most 15 characters.
_PORT_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

EnvSourceKind = Literal["configMap", "secret"]


@dataclass(frozen=True)
class EnvSource:
    """A ConfigMap or Secret in the stack namespace whose keys all become variables; the app
    repository's Application or an operator manages it, the program only refers to it."""

    kind: EnvSourceKind
    name: str
    optional: bool


def env_map(value: Any, key: str) -> dict[str, str]:
    """`NAME: "value"` pairs: valid names, string values, none the platform sets itself."""
    raw = mapping(value, key, "an object {NAME: value}")
    env: dict[str, str] = {}
    for name, item in raw.items():
        env_name(name, f"{key}.{name}")
        if not isinstance(item, str):
            raise ConfigError(
                f"{key}.{name}",
                f"expected a string, got {describe(item)}: Kubernetes takes only strings, so quote it "
                f'({name}: "{_yaml_text(item)}")',
            )
        reason = credential_in_env(name, item)
        if reason:
            raise ConfigError(f"{key}.{name}", reason)
        env[name] = item
    return env


def credential_in_env(name: str, value: str) -> str | None:
    """Why a literal variable looks like a credential (None when it does not): `env` becomes
    plain Deployment spec, readable by anyone who can read the Deployment."""
    secret_env = (
        f"store it as a Pulumi secret (pulumi config set --secret <key> <value>) and name that key "
        f"in secretEnv ({name}: <key>)"
    )
    if conventions.SECRET_MATERIAL.search(value):
        return f"the value of {name} is a credential and env is plain text in the cluster; {secret_env}"
    if conventions.CREDENTIAL_VARIABLE.search(name) and value.strip():
        return f"{name} is named like a credential and env is plain text in the cluster; {secret_env}"
    return None


def env_name(name: Any, key: str) -> str:
    """A variable name the service may set."""
    if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
        raise ConfigError(key, f"{name!r} is not an environment variable name (letters, digits and '_')")
    if name in conventions.PLATFORM_ENV_NAMES:
        raise ConfigError(key, f"{name} is set by the platform itself (tracing, the downward API); pick another name")
    return name


def env_sources(value: Any, key: str) -> list[dict[str, Any]]:
    """`envFrom`: a list of `{configMap: NAME}` or `{secret: NAME}`, each with `optional`."""
    sources = []
    for where, raw in objects(value, key, ("configMap", "secret", "optional")):
        kinds = [kind for kind in ("configMap", "secret") if kind in raw]
        if len(kinds) != 1:
            raise ConfigError(where, "needs exactly one of configMap or secret")
        name = string(raw[kinds[0]], f"{where}.{kinds[0]}")
        if len(name) > 253 or not _OBJECT_NAME.fullmatch(name):
            raise ConfigError(f"{where}.{kinds[0]}", f"{name!r} is not a Kubernetes object name")
        sources.append({kinds[0]: name, "optional": boolean(raw.get("optional", False), f"{where}.optional")})
    return sources


def secret_env(value: Any, key: str) -> dict[str, str]:
    """`secretEnv`: variable name -> the name of a Pulumi secret config key of this stack."""
    raw = mapping(value, key, "an object {NAME: configKey}")
    result: dict[str, str] = {}
    for name, config_key in raw.items():
        env_name(name, f"{key}.{name}")
        if not isinstance(config_key, str) or not _CONFIG_KEY.fullmatch(config_key):
            raise ConfigError(f"{key}.{name}", f"expected the name of a secret config key, got {describe(config_key)}")
        result[name] = config_key
    return result


def string_list(value: Any, key: str) -> list[str]:
    """`command` or `args`: a list of strings."""
    if not isinstance(value, list):
        raise ConfigError(key, f"expected a list of strings, got {describe(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise ConfigError(f"{key}[{index}]", f"expected a string, got {describe(item)}; quote it")
    return list(value)


def port_map(value: Any, key: str) -> dict[str, int]:
    """`ports`: extra named container ports, `grpc: 9090`."""
    raw = mapping(value, key, "an object {name: port}")
    ports: dict[str, int] = {}
    for name, number in raw.items():
        where = f"{key}.{name}"
        if not isinstance(name, str) or len(name) > 15 or not _PORT_NAME.fullmatch(name):
            raise ConfigError(where, f"{name!r} is not a port name (at most 15 lowercase letters, digits and '-')")
        if name in (conventions.HTTP_PORT_NAME, conventions.METRICS_PORT_NAME):
            raise ConfigError(where, f"{name!r} is the platform's own port name; pick another")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 65535:
            raise ConfigError(where, f"expected a port number from 1 to 65535, got {describe(number)}")
        ports[name] = number
    return ports


def color_env(value: Any, key: str) -> dict[Color, dict[str, str]]:
    """`colorEnv`: per-colour variables over `env`, written beside the colour's tag by
    `novactl release --env`, so a config change rolls out on the idle colour alone."""
    raw = mapping(value, key, "an object {blue: {NAME: value}, green: {...}}")
    reject_unknown(raw, COLORS, key)
    return {color: env_map(raw[color], f"{key}.{color}") for color in COLORS if color in raw}


def check_ports(path: str, http_port: int, metrics_port: int | None, extra: Mapping[str, int]) -> None:
    """No two of the container's ports share a number."""
    taken = {http_port: conventions.HTTP_PORT_NAME}
    if metrics_port is not None:
        taken[metrics_port] = conventions.METRICS_PORT_NAME
    for name, number in extra.items():
        if number in taken:
            raise ConfigError(f"{path}.ports.{name}", f"{number} is already the {taken[number]} port")
        taken[number] = name


def check_distinct_variables(path: str, env: Mapping[str, str], secrets: Mapping[str, str]) -> None:
    """A variable comes from `env` or from `secretEnv`, not both."""
    for name in secrets:
        if name in env:
            raise ConfigError(f"{path}.secretEnv.{name}", f"{name} is also in env; a variable has one source")


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
