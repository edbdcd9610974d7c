"""The services of a stack: `serviceDefaults` merged under each `services.<name>` entry,
validated into one ServiceSpec per service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from components import conventions
from components.config.access import IamStatement, IngressSpec, iam_statements, ingress
from components.config.fields import (
    ConfigError,
    boolean,
    bounded_duration,
    choice,
    duration,
    duration_seconds,
    http_path,
    image_tag,
    integer,
    mapping,
    present,
    quantity,
    reject_unknown,
)
from components.config.quantities import parse_quantity
from components.config.slo import DEFAULT_BUCKETS, SloSpec, histogram_buckets, merge_slos, parse_slos, slo_list
from components.config.workload import (
    EnvSource,
    check_distinct_variables,
    check_ports,
    color_env,
    env_map,
    env_sources,
    port_map,
    secret_env,
    string_list,
)
from components.conventions import COLORS, Color, other_color

IdlePolicy = Literal["keep", "scale-to-zero"]
IDLE_POLICIES: tuple[IdlePolicy, ...] = ("keep", "scale-to-zero")


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
class AnalysisSpec:
    """The check after every switch and during a canary: the new colour's errors and latency."""

    enabled: bool  # false: the Job reports its verdict but never fails (a dry run)
    window: str  # how long the new colour is watched after traffic reaches it
    interval: str  # how often it is checked within the window


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
    histogram_buckets: tuple[float, ...]
    slos: tuple[SloSpec, ...]
    metrics_path: str = "/metrics"
    metrics_port: int | None = None  # a separate `metrics` container port; None scrapes `http`
    env: Mapping[str, str] = field(default_factory=dict)
    color_env: Mapping[Color, Mapping[str, str]] = field(default_factory=dict)  # over env, per colour
    env_from: tuple[EnvSource, ...] = ()
    secret_env: Mapping[str, str] = field(default_factory=dict)  # variable -> secret config key
    command: tuple[str, ...] | None = None
    args: tuple[str, ...] | None = None
    ports: Mapping[str, int] = field(default_factory=dict)  # extra named ports
    kubernetes_api: bool = False  # mount the ServiceAccount token
    aws_statements: tuple[IamStatement, ...] = ()  # IAM through IRSA (AWS stacks only)
    ingress: IngressSpec | None = None
    canary_pods: int | None = None  # the idle colour takes live traffic with this many pods
    analysis: AnalysisSpec = AnalysisSpec(True, "5m", "30s")
    rolled_back: bool = False  # `rollback: true` (novactl rollback): its analysis only reports (builders/analysis.py)

    def env_for(self, color: Color) -> dict[str, str]:
        """The literal variables of one colour: `env`, then that colour's `colorEnv`."""
        return {**self.env, **self.color_env.get(color, {})}

    @property
    def metrics_port_name(self) -> str:
        """The named container port Prometheus scrapes."""
        return conventions.HTTP_PORT_NAME if self.metrics_port is None else conventions.METRICS_PORT_NAME

    @property
    def deployed_colors(self) -> tuple[Color, ...]:
        """The colours that have a tag, in blue, green order."""
        return tuple(color for color in COLORS if color in self.tags)

    @property
    def serving_colors(self) -> tuple[Color, ...]:
        """The colours live traffic reaches: the active one, and the idle one during a canary.
        A release may touch none of them (novactl refuses; novactl diff flags a restart)."""
        if self.canary_pods is None:
            return (self.active,)
        return tuple(color for color in COLORS if color in self.tags)

    @property
    def analysed(self) -> bool:
        """Whether an analysis Job watches the service: once it has two deployed colours, so
        that traffic can move between them (a switch or a canary), never on its first deployment."""
        return len(self.deployed_colors) == len(COLORS)

    def is_scaled_to_zero(self, color: Color) -> bool:
        """Whether `color` runs no pods: it is the inactive colour under `idle: scale-to-zero`."""
        return color != self.active and self.idle == "scale-to-zero"

    def replicas_for(self, color: Color) -> int | None:
        """spec.replicas of a colour's Deployment; None leaves it to the autoscaler."""
        if self.is_scaled_to_zero(color):
            return 0
        if self.canary_pods is not None and color != self.active:
            return self.canary_pods
        return None if self.autoscaling else self.replicas


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
    "histogramBuckets": list(DEFAULT_BUCKETS),
    "slos": [],
    "metrics": {"path": "/metrics"},
    "env": {},
    "envFrom": [],
    "secretEnv": {},
    "command": None,
    "args": None,
    "ports": {},
    "kubernetesApi": False,
    "analysis": {"enabled": True, "window": "5m", "interval": "30s"},
}
_NESTED = ("liveness", "readiness", "resources", "autoscaling", "metrics", "env", "secretEnv", "ports", "analysis")
_PROBE_KEYS = ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold")
# What only a service's own entry may say: its colours, and what belongs to it alone.
_SERVICE_ONLY_KEYS = ("active", "tags", "colorEnv", "aws", "ingress", "canary", "rollback")


def parse_service(name: Any, entry: Any, defaults: Mapping[str, Any]) -> ServiceSpec:
    """One `services.<name>` entry over the validated `serviceDefaults`."""
    path = f"services.{name}"
    if not isinstance(name, str) or not conventions.DNS_LABEL.fullmatch(name):
        raise ConfigError(path, f"{name!r} is not a valid service name (lowercase letters, digits and '-')")
    if len(name) > conventions.SERVICE_NAME_MAX:
        raise ConfigError(path, f"service name is longer than {conventions.SERVICE_NAME_MAX} characters")
    settings = _merge(_merge(SERVICE_DEFAULTS, defaults), service_settings(mapping(entry, path), path, True))
    active = choice(present(entry, "active", f"{path}.active"), f"{path}.active", COLORS)
    tags = _tags(entry.get("tags", {}), f"{path}.tags")
    if active not in tags:
        raise ConfigError(f"{path}.tags.{active}", f"the active colour {active} has no image tag")

    resources = settings["resources"]
    if parse_quantity(resources["memory"]) > parse_quantity(resources["memoryLimit"]):
        raise ConfigError(
            f"{path}.resources.memoryLimit",
            f"{resources['memoryLimit']} is below the memory request {resources['memory']}",
        )
    metrics_port = settings["metrics"].get("port")
    if metrics_port == settings["port"]:
        raise ConfigError(
            f"{path}.metrics.port",
            f"{metrics_port} is the service's http port; leave metrics.port out to scrape /metrics there",
        )
    check_ports(path, settings["port"], metrics_port, settings["ports"])
    if "canary" in settings:
        _check_canary(path, settings, active, tags)
    analysis = settings["analysis"]
    if duration_seconds(analysis["interval"]) > duration_seconds(analysis["window"]):
        raise ConfigError(f"{path}.analysis.interval", f"{analysis['interval']} is longer than the window")
    check_distinct_variables(path, settings["env"], settings["secretEnv"])
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
        histogram_buckets=tuple(settings["histogramBuckets"]),
        slos=parse_slos(settings["slos"], tuple(settings["histogramBuckets"])),
        metrics_path=settings["metrics"]["path"],
        metrics_port=metrics_port,
        env=settings["env"],
        color_env=settings.get("colorEnv", {}),
        env_from=tuple(_env_source(item) for item in settings["envFrom"]),
        secret_env=settings["secretEnv"],
        command=tuple(settings["command"]) if settings["command"] is not None else None,
        args=tuple(settings["args"]) if settings["args"] is not None else None,
        ports=settings["ports"],
        kubernetes_api=settings["kubernetesApi"],
        aws_statements=settings.get("aws", ()),
        ingress=settings.get("ingress"),
        canary_pods=settings.get("canary"),
        rolled_back=settings.get("rollback", False),
        analysis=AnalysisSpec(analysis["enabled"], analysis["window"], analysis["interval"]),
        autoscaling=AutoscalingSpec(autoscaling["min"], autoscaling["max"], autoscaling["targetCPU"])
        if autoscaling
        else None,
    )


def service_settings(raw: Mapping[str, Any], path: str, per_service: bool) -> dict[str, Any]:
    """Type-check the service settings written at `path`; returns only what was written."""
    allowed = tuple(SERVICE_DEFAULTS) + (_SERVICE_ONLY_KEYS if per_service else ())
    reject_unknown(raw, allowed, path)
    checks: dict[str, Callable[[Any, str], Any]] = {
        "port": lambda value, key: integer(value, key, 1, 65535),
        "replicas": lambda value, key: integer(value, key, 1, 1000),
        "idle": lambda value, key: choice(value, key, IDLE_POLICIES),
        "healthPath": http_path,
        "liveness": _probe_settings,
        "readiness": _probe_settings,
        "resources": _resource_settings,
        "drainSeconds": lambda value, key: integer(value, key, 0, 600),
        "shutdownSeconds": lambda value, key: integer(value, key, 1, 3600),
        "autoscaling": _autoscaling_settings,
        "histogramBuckets": histogram_buckets,
        "slos": slo_list,
        "metrics": _metrics_settings,
        "env": env_map,
        "envFrom": env_sources,
        "secretEnv": secret_env,
        "command": string_list,
        "args": string_list,
        "ports": port_map,
        "kubernetesApi": boolean,
        "colorEnv": color_env,
        "aws": _aws_settings,
        "ingress": ingress,
        "canary": _canary_settings,
        "rollback": boolean,
        "analysis": _analysis_settings,
    }
    return {key: checks[key](value, f"{path}.{key}") for key, value in raw.items() if key in checks}


def _canary_settings(value: Any, key: str) -> int:
    raw = mapping(value, key, "an object {pods}")
    reject_unknown(raw, ("pods",), key)
    return integer(raw.get("pods", 1), f"{key}.pods", 1, 100)


def _analysis_settings(value: Any, key: str) -> dict[str, Any]:
    raw = mapping(value, key, "an object {enabled, window, interval}")
    reject_unknown(raw, ("enabled", "window", "interval"), key)
    # `pulumi up` waits the whole window on every switch: an hour is already a long wait.
    checks: dict[str, Callable[[Any, str], Any]] = {
        "enabled": boolean,
        "window": lambda item, where: bounded_duration(item, where, "1h"),
        "interval": duration,
    }
    return {name: checks[name](item, f"{key}.{name}") for name, item in raw.items()}


def _check_canary(path: str, settings: Mapping[str, Any], active: Color, tags: Mapping[Color, str]) -> None:
    """A canary is the idle colour, released and running, weighted by its pod count."""
    where = f"{path}.canary"
    idle = other_color(active)
    if idle not in tags:
        raise ConfigError(where, f"{idle} has no image tag: release one first, then start the canary")
    if settings["idle"] == "scale-to-zero":
        raise ConfigError(where, f"{idle} is scaled to zero while idle, so it was never smoke-tested; set idle to keep")
    if settings["autoscaling"]:
        raise ConfigError(
            where, "the HPA sets the replicas, so the canary's share of traffic could not be held; turn autoscaling off"
        )


def _aws_settings(value: Any, key: str) -> tuple[IamStatement, ...]:
    raw = mapping(value, key, "an object {statements}")
    reject_unknown(raw, ("statements",), key)
    return iam_statements(raw.get("statements"), f"{key}.statements")


def _env_source(item: Mapping[str, Any]) -> EnvSource:
    if "configMap" in item:
        return EnvSource("configMap", item["configMap"], item["optional"])
    return EnvSource("secret", item["secret"], item["optional"])


def _probe_settings(value: Any, key: str) -> dict[str, int]:
    raw = mapping(value, key)
    reject_unknown(raw, _PROBE_KEYS, key)
    lowest = {"initialDelaySeconds": 0}
    return {name: integer(item, f"{key}.{name}", lowest.get(name, 1), 3600) for name, item in raw.items()}


def _resource_settings(value: Any, key: str) -> dict[str, str]:
    raw = mapping(value, key)
    reject_unknown(raw, ("cpu", "memory", "memoryLimit"), key)
    return {name: quantity(item, f"{key}.{name}") for name, item in raw.items()}


def _autoscaling_settings(value: Any, key: str) -> dict[str, int] | bool:
    if value is False:
        return False
    raw = mapping(value, key, "an object {min, max, targetCPU} or false")
    reject_unknown(raw, ("min", "max", "targetCPU"), key)
    limits = {"min": (1, 1000), "max": (1, 1000), "targetCPU": (1, 100)}
    return {name: integer(item, f"{key}.{name}", *limits[name]) for name, item in raw.items()}


def _metrics_settings(value: Any, key: str) -> dict[str, Any]:
    raw = mapping(value, key, "an object {port, path}")
    reject_unknown(raw, ("port", "path"), key)
    checks: dict[str, Callable[[Any, str], Any]] = {
        "port": lambda item, item_key: integer(item, item_key, 1, 65535),
        "path": http_path,
    }
    return {name: checks[name](item, f"{key}.{name}") for name, item in raw.items()}


def _probe(raw: Mapping[str, int]) -> ProbeSpec:
    return ProbeSpec(raw["initialDelaySeconds"], raw["periodSeconds"], raw["timeoutSeconds"], raw["failureThreshold"])


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Override wins; the nested blocks (probes, resources, autoscaling) merge key by key."""
    merged = dict(base)
    for key, value in override.items():
        if key in _NESTED and isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        elif key == "slos":
            merged[key] = merge_slos(merged.get(key, []), value)
        else:
            merged[key] = value
    return merged


def _tags(value: Any, key: str) -> dict[Color, str]:
    raw = mapping(value, key)
    reject_unknown(raw, COLORS, key)
    tags: dict[Color, str] = {}
    for color in COLORS:
        if color in raw:
            tags[color] = image_tag(raw[color], f"{key}.{color}")
    return tags
