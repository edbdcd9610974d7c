"""Field checks for stack config: each takes a value and its key path, returns it clean.

Every check raises ConfigError naming the full `pulumi config set --path` key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from components import conventions
from components.config.quantities import parse_quantity

T = TypeVar("T")

_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_REGISTRY = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(/[a-z0-9._-]+)*$")
# Prometheus's duration syntax as the operator's CRDs accept it (`30s`, `1m30s`).
_DURATION = re.compile(r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$")


class ConfigError(Exception):
    """A stack config value that cannot be used; str() is the one-line message for users."""

    def __init__(self, key: str, message: str, stack_file: str | None = None, namespace: str = conventions.PROJECT):
        super().__init__(key, message, stack_file)
        self.key = key
        self.message = message
        self.stack_file = stack_file
        self.namespace = namespace  # another package's key (`kubernetes:context`) names its own

    def __str__(self) -> str:
        where = f"{self.stack_file}: " if self.stack_file else ""
        return f"{where}{self.namespace}:{self.key}: {self.message}"


class CombinedConfigError(ConfigError):
    """Several independent mistakes in one stack file, each its own line (up to MAX_SHOWN): a
    user fixes them in one pass instead of one `render` per mistake. Behaves as the first."""

    MAX_SHOWN = 20

    def __init__(self, errors: list[ConfigError]):
        super().__init__(errors[0].key, errors[0].message, errors[0].stack_file)
        self.errors = errors

    def __str__(self) -> str:
        lines = [str(error) for error in self.errors[: self.MAX_SHOWN]]
        if len(self.errors) > self.MAX_SHOWN:
            lines.append(f"... and {len(self.errors) - self.MAX_SHOWN} more")
        return "\n".join(lines)


class ErrorCollector:
    """Runs independent checks, keeping every ConfigError; `raise_if_any` raises them together."""

    def __init__(self) -> None:
        self.errors: list[ConfigError] = []

    def attempt(self, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except CombinedConfigError as errors:
            self.errors.extend(errors.errors)
        except ConfigError as error:
            self.errors.append(error)
        return None

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise CombinedConfigError(self.errors)


def present(raw: Mapping[str, Any], name: str, key: str) -> Any:
    if name not in raw or raw[name] is None:
        raise ConfigError(key, "is required")
    return raw[name]


def required(raw: Mapping[str, Any], name: str, key: str, check: Callable[[Any, str], T]) -> T:
    return check(present(raw, name, key), key)


def mapping(value: Any, key: str, expected: str = "an object") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"expected {expected}, got {describe(value)}")
    return value


def objects(
    value: Any, key: str, fields: tuple[str, ...], *, non_empty: bool = False
) -> list[tuple[str, Mapping[str, Any]]]:
    """A list of objects with only `fields`: each with its key (`key[index]`) for errors."""
    shape = "{" + ", ".join(fields) + "}"
    if not isinstance(value, list) or (non_empty and not value):
        raise ConfigError(key, f"expected a {'non-empty ' if non_empty else ''}list of {shape}, got {describe(value)}")
    items = []
    for index, item in enumerate(value):
        where = f"{key}[{index}]"
        raw = mapping(item, where, f"an object {shape}")
        reject_unknown(raw, fields, where)
        items.append((where, raw))
    return items


def string(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(key, f"expected a non-empty string, got {describe(value)}")
    return value


def integer(value: Any, key: str, lowest: int, highest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(key, f"expected an integer, got {describe(value)}")
    if not lowest <= value <= highest:
        raise ConfigError(key, f"{value} is out of range ({lowest}..{highest})")
    return value


def choice(value: Any, key: str, choices: tuple[T, ...]) -> T:
    for choice in choices:
        if value == choice:
            return choice
    raise ConfigError(key, f"{value!r} is not one of: {', '.join(map(str, choices))}")


def boolean(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"expected true or false, got {describe(value)}")
    return value


def https_url(value: Any, key: str) -> str:
    text = string(value, key)
    if not text.startswith("https://") or any(char.isspace() for char in text):
        raise ConfigError(key, f"{text!r} is not an https:// URL")
    return text.rstrip("/")


def dns_label(value: Any, key: str) -> str:
    text = string(value, key)
    if len(text) > conventions.DNS_LABEL_MAX or not conventions.DNS_LABEL.fullmatch(text):
        raise ConfigError(key, f"{text!r} is not a DNS-1123 label (lowercase letters, digits and '-', at most 63)")
    return text


# Kubernetes's own namespaces: the platform would relabel their Pod Security level and deploy
# into them (kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/).
RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def namespace_name(value: Any, key: str) -> str:
    """A namespace this platform may own: a DNS label, and not one of Kubernetes's own."""
    name = dns_label(value, key)
    if name in RESERVED_NAMESPACES:
        raise ConfigError(key, f"{name!r} is reserved for Kubernetes itself; pick a namespace of the platform's own")
    return name


def registry(value: Any, key: str) -> str:
    text = string(value, key)
    if not _REGISTRY.fullmatch(text):
        raise ConfigError(key, f"{text!r} is not a registry host[:port][/path] (no scheme, no trailing '/')")
    return text


def http_path(value: Any, key: str) -> str:
    text = string(value, key)
    if not text.startswith("/") or any(char.isspace() for char in text):
        raise ConfigError(key, f"{text!r} is not an HTTP path (it starts with '/', no spaces)")
    return text


def quantity(value: Any, key: str) -> str:
    # `pulumi config set --path ...cpu 1` stores a number: accept it as the quantity it means.
    text = str(value) if isinstance(value, int | float) and not isinstance(value, bool) else string(value, key)
    try:
        amount = parse_quantity(text)
    except ValueError as error:
        raise ConfigError(key, str(error)) from None
    if amount <= 0:
        raise ConfigError(key, f"{text!r} must be greater than zero")
    return text


def image_tag(value: Any, key: str) -> str:
    # `pulumi config set --path ...tags.blue 42` stores an integer; a tag is its text.
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else string(value, key)
    if not _IMAGE_TAG.fullmatch(text):
        raise ConfigError(key, f"{text!r} is not a valid image tag")
    if text == "latest":
        raise ConfigError(key, "'latest' is not allowed: pin a version so a rollout is repeatable")
    return text


def pinned_image(value: Any, key: str) -> str:
    text = string(value, key)
    name, _, tag = text.rpartition(":")
    if "@sha256:" in text:
        return text
    if not name or "/" in tag:
        raise ConfigError(key, f"{text!r} has no tag: pin a version (image:tag or image@sha256:...)")
    image_tag(tag, key)
    return text


def duration(value: Any, key: str) -> str:
    """A Prometheus duration such as `30s` or `1m30s`."""
    text = string(value, key)
    if not _DURATION.fullmatch(text) or text == "0":
        raise ConfigError(key, f"{text!r} is not a duration (for example 30s, 1m, 1m30s)")
    if duration_seconds(text) <= 0:
        raise ConfigError(key, f"{text!r} is zero; give a length of time (for example 30s)")
    return text


def bounded_duration(value: Any, key: str, longest: str) -> str:
    """A duration no longer than `longest`: a wait that long would hold `pulumi up` for nothing."""
    text = duration(value, key)
    if duration_seconds(text) > duration_seconds(longest):
        raise ConfigError(key, f"{text!r} is longer than {longest}")
    return text


_UNIT_SECONDS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}


def duration_seconds(text: str) -> float:
    """The seconds of a duration `duration` accepted (`1m30s` -> 90)."""
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in re.findall(r"(\d+)(ms|[ywdhms])", text))


def unit_interval(value: Any, key: str, hint: str = "") -> float:
    """A number from 0 to 1, both included."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(key, f"expected a number, got {describe(value)}")
    if not 0 <= value <= 1:
        raise ConfigError(key, f"{value} must be between 0 and 1{hint}")
    return float(value)


def reject_unknown(raw: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
    for name in raw:
        if name not in allowed:
            key = f"{path}.{name}" if path else str(name)
            close = difflib.get_close_matches(str(name), allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(allowed)})"
            raise ConfigError(key, f"unknown key{hint}")


def describe(value: Any) -> str:
    kinds = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "an object"
    return f"{kinds.get(type(value), type(value).__name__)} {value!r}"
