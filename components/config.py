"""Stack config -> PlatformConfig: parsed once, validated fully, frozen.

Everything a user can get wrong in `Pulumi.<stack>.yaml` is caught here and reported as one
ConfigError naming the stack file and the full `pulumi config set --path` key, before a single
resource is registered. Nothing downstream reads `pulumi.Config`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from components import conventions
from components.conventions import COLORS, Color
from components.quantities import parse_quantity

IdlePolicy = Literal["keep", "scale-to-zero"]
IDLE_POLICIES: tuple[IdlePolicy, ...] = ("keep", "scale-to-zero")
Cloud = Literal["aws", "local"]
CLOUDS: tuple[Cloud, ...] = ("aws", "local")

T = TypeVar("T")


class ConfigError(Exception):
    """A stack config value that cannot be used; str() is the one-line message for users."""

    def __init__(self, key: str, message: str, stack_file: str | None = None):
        super().__init__(key, message, stack_file)
        self.key = key
        self.message = message
        self.stack_file = stack_file

    def __str__(self) -> str:
        where = f"{self.stack_file}: " if self.stack_file else ""
        return f"{where}{conventions.PROJECT}:{self.key}: {self.message}"


@dataclass(frozen=True)
class ProbeSpec:
    """Timing of one HTTP probe against the service's health path."""

    initial_delay_seconds: int
    period_seconds: int
    timeout_seconds: int
    failure_threshold: int


@dataclass(frozen=True)
class ResourceSpec:
    """Requests for CPU and memory, and the memory limit (no CPU limit: it only throttles)."""

    cpu: str
    memory: str
    memory_limit: str


@dataclass(frozen=True)
class AutoscalingSpec:
    """A HorizontalPodAutoscaler per running colour, on CPU utilisation."""

    min: int
    max: int
    target_cpu: int


@dataclass(frozen=True)
class ServiceSpec:
    """One Nova microservice as the stack config describes it."""

    name: str
    active: Color
    tags: Mapping[Color, str]  # colour -> image tag; a colour without a tag is idle
    port: int
    replicas: int
    idle: IdlePolicy
    health_path: str
    liveness: ProbeSpec
    readiness: ProbeSpec
    resources: ResourceSpec
    drain_seconds: int
    shutdown_seconds: int
    autoscaling: AutoscalingSpec | None

    @property
    def deployed_colors(self) -> tuple[Color, ...]:
        """The colours that have a tag, in blue, green order."""
        return tuple(color for color in COLORS if color in self.tags)

    def is_scaled_to_zero(self, color: Color) -> bool:
        """Whether `color` runs no pods: it is the inactive colour under `idle: scale-to-zero`."""
        return color != self.active and self.idle == "scale-to-zero"

    def replicas_for(self, color: Color) -> int | None:
        """spec.replicas of a colour's Deployment; None leaves it to the autoscaler."""
        if self.is_scaled_to_zero(color):
            return 0
        return None if self.autoscaling else self.replicas


@dataclass(frozen=True)
class PlatformConfig:
    """The whole validated stack config."""

    stack: str
    namespace: str
    cloud: Cloud
    image_registry: str
    smoke_test_image: str
    services: tuple[ServiceSpec, ...]

    def service(self, name: str) -> ServiceSpec:
        """The service called `name` (KeyError when the stack has none)."""
        for spec in self.services:
            if spec.name == name:
                return spec
        raise KeyError(name)


# Defaults for every service; `serviceDefaults` in the stack file overrides them, and each
# `services.<name>` entry overrides that. Documented in docs/stacks.md.
SERVICE_DEFAULTS: Mapping[str, Any] = {
    "port": 8080,
    "replicas": 2,
    "idle": "keep",
    "healthPath": "/health",
    "liveness": {"initialDelaySeconds": 30, "periodSeconds": 10, "timeoutSeconds": 2, "failureThreshold": 3},
    "readiness": {"initialDelaySeconds": 5, "periodSeconds": 5, "timeoutSeconds": 2, "failureThreshold": 3},
    "resources": {"cpu": "100m", "memory": "128Mi", "memoryLimit": "256Mi"},
    "drainSeconds": 15,
    "shutdownSeconds": 30,
    "autoscaling": False,
}
_NESTED = ("liveness", "readiness", "resources", "autoscaling")
_PROBE_KEYS = ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold")
_SERVICE_ONLY_KEYS = ("active", "tags")
TOP_LEVEL_KEYS = ("namespace", "cloud", "imageRegistry", "smokeTestImage", "serviceDefaults", "services")

_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_REGISTRY = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(/[a-z0-9._-]+)*$")


OBJECT_KEYS = ("serviceDefaults", "services")


def decode_engine_config(flat: Mapping[str, str], stack: str) -> dict[str, Any]:
    """The project's keys from the engine's flat `namespace:key` -> string map, objects decoded.

    The engine hands every value over as a string and objects as JSON (PULUMI_CONFIG).
    """
    prefix = f"{conventions.PROJECT}:"
    raw: dict[str, Any] = {}
    for full_key, text in flat.items():
        if not full_key.startswith(prefix):
            continue
        key = full_key[len(prefix) :]
        if key in OBJECT_KEYS:
            try:
                raw[key] = json.loads(text)
            except json.JSONDecodeError:
                raise ConfigError(key, "expected an object", f"Pulumi.{stack}.yaml") from None
        else:
            raw[key] = text
    return raw


def parse_platform_config(raw: Mapping[str, Any], stack: str) -> PlatformConfig:
    """Validate the `nova-platform:*` config of one stack (keys without the namespace)."""
    stack_file = f"Pulumi.{stack}.yaml"
    try:
        return _parse(raw, stack)
    except ConfigError as error:
        error.stack_file = stack_file
        raise


def _parse(raw: Mapping[str, Any], stack: str) -> PlatformConfig:
    _reject_unknown(raw, TOP_LEVEL_KEYS, "")
    namespace = _required(raw, "namespace", "namespace", _dns_label)
    cloud = _choice(raw.get("cloud", "aws"), "cloud", CLOUDS)
    registry = _required(raw, "imageRegistry", "imageRegistry", _registry)
    smoke_image = _pinned_image(raw.get("smokeTestImage", conventions.SMOKE_TEST_IMAGE), "smokeTestImage")
    defaults = _settings(_mapping(raw.get("serviceDefaults", {}), "serviceDefaults"), "serviceDefaults", False)
    services_raw = _mapping(_present(raw, "services", "services"), "services")
    if not services_raw:
        raise ConfigError("services", "at least one service is required")
    services = tuple(_service(name, entry, defaults) for name, entry in sorted(services_raw.items()))
    return PlatformConfig(stack, namespace, cloud, registry, smoke_image, services)


def _service(name: Any, entry: Any, defaults: Mapping[str, Any]) -> ServiceSpec:
    path = f"services.{name}"
    if not isinstance(name, str) or not conventions.DNS_LABEL.match(name):
        raise ConfigError(path, f"{name!r} is not a valid service name (lowercase letters, digits and '-')")
    if len(name) > conventions.SERVICE_NAME_MAX:
        raise ConfigError(path, f"service name is longer than {conventions.SERVICE_NAME_MAX} characters")
    settings = _merge(_merge(SERVICE_DEFAULTS, defaults), _settings(_mapping(entry, path), path, True))
    active = _choice(_present(entry, "active", f"{path}.active"), f"{path}.active", COLORS)
    tags = _tags(entry.get("tags", {}), f"{path}.tags")
    if active not in tags:
        raise ConfigError(f"{path}.tags.{active}", f"the active colour {active} has no image tag")

    resources = settings["resources"]
    if parse_quantity(resources["memory"]) > parse_quantity(resources["memoryLimit"]):
        raise ConfigError(
            f"{path}.resources.memoryLimit",
            f"{resources['memoryLimit']} is below the memory request {resources['memory']}",
        )
    autoscaling = settings["autoscaling"] or None
    if autoscaling is not None:
        missing = [key for key in ("min", "max", "targetCPU") if key not in autoscaling]
        if missing:
            raise ConfigError(
                f"{path}.autoscaling", f"missing {', '.join(missing)} (min, max and targetCPU are required)"
            )
        if autoscaling["min"] > autoscaling["max"]:
            raise ConfigError(
                f"{path}.autoscaling.min",
                f"min {autoscaling['min']} is greater than max {autoscaling['max']}",
            )
    return ServiceSpec(
        name=name,
        active=active,
        tags=tags,
        port=settings["port"],
        replicas=settings["replicas"],
        idle=settings["idle"],
        health_path=settings["healthPath"],
        liveness=_probe(settings["liveness"]),
        readiness=_probe(settings["readiness"]),
        resources=ResourceSpec(resources["cpu"], resources["memory"], resources["memoryLimit"]),
        drain_seconds=settings["drainSeconds"],
        shutdown_seconds=settings["shutdownSeconds"],
        autoscaling=AutoscalingSpec(autoscaling["min"], autoscaling["max"], autoscaling["targetCPU"])
        if autoscaling
        else None,
    )


def _settings(raw: Mapping[str, Any], path: str, per_service: bool) -> dict[str, Any]:
    """Type-check the service settings written at `path`; returns only what was written."""
    allowed = tuple(SERVICE_DEFAULTS) + (_SERVICE_ONLY_KEYS if per_service else ())
    _reject_unknown(raw, allowed, path)
    checks: dict[str, Callable[[Any, str], Any]] = {
        "port": lambda value, key: _integer(value, key, 1, 65535),
        "replicas": lambda value, key: _integer(value, key, 1, 1000),
        "idle": lambda value, key: _choice(value, key, IDLE_POLICIES),
        "healthPath": _http_path,
        "liveness": _probe_settings,
        "readiness": _probe_settings,
        "resources": _resource_settings,
        "drainSeconds": lambda value, key: _integer(value, key, 0, 600),
        "shutdownSeconds": lambda value, key: _integer(value, key, 1, 3600),
        "autoscaling": _autoscaling_settings,
    }
    return {key: checks[key](value, f"{path}.{key}") for key, value in raw.items() if key in checks}


def _probe_settings(value: Any, key: str) -> dict[str, int]:
    raw = _mapping(value, key)
    _reject_unknown(raw, _PROBE_KEYS, key)
    lowest = {"initialDelaySeconds": 0}
    return {name: _integer(item, f"{key}.{name}", lowest.get(name, 1), 3600) for name, item in raw.items()}


def _resource_settings(value: Any, key: str) -> dict[str, str]:
    raw = _mapping(value, key)
    _reject_unknown(raw, ("cpu", "memory", "memoryLimit"), key)
    return {name: _quantity(item, f"{key}.{name}") for name, item in raw.items()}


def _autoscaling_settings(value: Any, key: str) -> dict[str, int] | bool:
    if value is False:
        return False
    raw = _mapping(value, key, "an object {min, max, targetCPU} or false")
    _reject_unknown(raw, ("min", "max", "targetCPU"), key)
    limits = {"min": (1, 1000), "max": (1, 1000), "targetCPU": (1, 100)}
    return {name: _integer(item, f"{key}.{name}", *limits[name]) for name, item in raw.items()}


def _probe(raw: Mapping[str, int]) -> ProbeSpec:
    return ProbeSpec(raw["initialDelaySeconds"], raw["periodSeconds"], raw["timeoutSeconds"], raw["failureThreshold"])


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Override wins; the nested blocks (probes, resources, autoscaling) merge key by key."""
    merged = dict(base)
    for key, value in override.items():
        if key in _NESTED and isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _tags(value: Any, key: str) -> dict[Color, str]:
    raw = _mapping(value, key)
    _reject_unknown(raw, COLORS, key)
    tags: dict[Color, str] = {}
    for color in COLORS:
        if color in raw:
            tags[color] = _image_tag(raw[color], f"{key}.{color}")
    return tags


# --- field checks: each takes the value and its key path, returns the clean value ---------


def _present(raw: Mapping[str, Any], name: str, key: str) -> Any:
    if name not in raw or raw[name] is None:
        raise ConfigError(key, "is required")
    return raw[name]


def _required(raw: Mapping[str, Any], name: str, key: str, check: Callable[[Any, str], T]) -> T:
    return check(_present(raw, name, key), key)


def _mapping(value: Any, key: str, expected: str = "an object") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(key, f"expected {expected}, got {_describe(value)}")
    return value


def _string(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(key, f"expected a non-empty string, got {_describe(value)}")
    return value


def _integer(value: Any, key: str, lowest: int, highest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(key, f"expected an integer, got {_describe(value)}")
    if not lowest <= value <= highest:
        raise ConfigError(key, f"{value} is out of range ({lowest}..{highest})")
    return value


def _choice(value: Any, key: str, choices: tuple[T, ...]) -> T:
    for choice in choices:
        if value == choice:
            return choice
    raise ConfigError(key, f"{value!r} is not one of: {', '.join(map(str, choices))}")


def _dns_label(value: Any, key: str) -> str:
    text = _string(value, key)
    if len(text) > conventions.DNS_LABEL_MAX or not conventions.DNS_LABEL.match(text):
        raise ConfigError(key, f"{text!r} is not a DNS-1123 label (lowercase letters, digits and '-', at most 63)")
    return text


def _registry(value: Any, key: str) -> str:
    text = _string(value, key)
    if not _REGISTRY.match(text):
        raise ConfigError(key, f"{text!r} is not a registry host[:port][/path] (no scheme, no trailing '/')")
    return text


def _http_path(value: Any, key: str) -> str:
    text = _string(value, key)
    if not text.startswith("/") or any(char.isspace() for char in text):
        raise ConfigError(key, f"{text!r} is not an HTTP path (it starts with '/', no spaces)")
    return text


def _quantity(value: Any, key: str) -> str:
    # `pulumi config set --path ...cpu 1` stores a number: accept it as the quantity it means.
    text = str(value) if isinstance(value, int | float) and not isinstance(value, bool) else _string(value, key)
    try:
        amount = parse_quantity(text)
    except ValueError as error:
        raise ConfigError(key, str(error)) from None
    if amount <= 0:
        raise ConfigError(key, f"{text!r} must be greater than zero")
    return text


def _image_tag(value: Any, key: str) -> str:
    # `pulumi config set --path ...tags.blue 42` stores an integer; a tag is its text.
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else _string(value, key)
    if not _IMAGE_TAG.match(text):
        raise ConfigError(key, f"{text!r} is not a valid image tag")
    if text == "latest":
        raise ConfigError(key, "'latest' is not allowed: pin a version so a rollout is repeatable")
    return text


def _pinned_image(value: Any, key: str) -> str:
    text = _string(value, key)
    name, _, tag = text.rpartition(":")
    if "@sha256:" in text:
        return text
    if not name or "/" in tag:
        raise ConfigError(key, f"{text!r} has no tag: pin a version (image:tag or image@sha256:...)")
    _image_tag(tag, key)
    return text


def _reject_unknown(raw: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
    for name in raw:
        if name not in allowed:
            key = f"{path}.{name}" if path else str(name)
            close = difflib.get_close_matches(str(name), allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(allowed)})"
            raise ConfigError(key, f"unknown key{hint}")


def _describe(value: Any) -> str:
    kinds = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "an object"
    return f"{kinds.get(type(value), type(value).__name__)} {value!r}"
