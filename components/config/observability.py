"""The `logging`, `tracing` and `performance` blocks of the stack config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from components.config.fields import (
    ConfigError,
    boolean,
    choice,
    dns_label,
    integer,
    mapping,
    namespace_name,
    quantity,
    reject_unknown,
    unit_interval,
)
from components.config.network import cidr_list

LokiMode = Literal["SingleBinary", "SimpleScalable"]
LOKI_MODES: tuple[LokiMode, ...] = ("SingleBinary", "SimpleScalable")


@dataclass(frozen=True)
class LoggingSpec:
    """Loki and the Alloy DaemonSet that ships every pod's logs to it."""

    namespace: str
    mode: LokiMode  # the chart's deploymentMode
    retention_days: int  # the compactor deletes older logs; S3 expires chunks a day later
    storage_size: str  # persistent volume of each stateful Loki pod
    chunks_cache_mb: int = 1024  # memcached -m of the chunks cache (SimpleScalable only)
    results_cache_mb: int = 256  # memcached -m of the results cache (SimpleScalable only)

    def cache_memory_requests(self) -> dict[str, int]:
        """Bytes of memory each Loki cache pod requests (none in SingleBinary, which runs none).

        The loki chart's memcached StatefulSets request (and are limited to) 1.2 x
        allocatedMemory MiB when no resources are given
        (charts/loki/templates/memcached/_memcached-statefulset.tpl): its default of 8192 asks
        for about 9.6 GiB per cache pod.
        """
        if self.mode == "SingleBinary":
            return {}
        sizes = {"chunksCache": self.chunks_cache_mb, "resultsCache": self.results_cache_mb}
        return {name: round(size * 1.2) * 2**20 for name, size in sizes.items()}


@dataclass(frozen=True)
class TracingSpec:
    """The OpenTelemetry collector gateway and Tempo."""

    namespace: str
    gateway_replicas: int
    retention_days: int
    storage_size: str
    sample_ratio: float = 1.0  # share of new traces the services' SDKs keep (parent-based)


# Production samples a tenth of new traces by default; other stacks keep all of them.
DEFAULT_SAMPLE_RATIO = {"production": 0.1}


@dataclass(frozen=True)
class PerformanceSpec:
    """InfluxDB 2, the store of performance baselines."""

    namespace: str
    storage_size: str
    organization: str
    bucket: str
    client_cidrs: tuple[str, ...] = ()  # who reaches InfluxDB from outside: CI's internal load balancer


def _enabled(raw: Any, name: str, keys: tuple[str, ...]) -> dict[str, Any] | None:
    block = dict(mapping(raw if raw is not None else {}, name))
    reject_unknown(block, ("enabled", *keys), name)
    return block if boolean(block.get("enabled", False), f"{name}.enabled") else None


_CACHE_KEYS = ("chunksCacheMB", "resultsCacheMB")


def parse_logging(raw: Any) -> LoggingSpec | None:
    """Validate `logging`; None when it is absent or `enabled: false`."""
    block = _enabled(raw, "logging", ("namespace", "mode", "retentionDays", "storageSize", *_CACHE_KEYS))
    if block is None:
        return None
    return LoggingSpec(
        namespace=namespace_name(block.get("namespace", "logging"), "logging.namespace"),
        mode=choice(block.get("mode", "SingleBinary"), "logging.mode", LOKI_MODES),
        retention_days=integer(block.get("retentionDays", 31), "logging.retentionDays", 1, 3650),
        storage_size=quantity(block.get("storageSize", "10Gi"), "logging.storageSize"),
        chunks_cache_mb=integer(block.get("chunksCacheMB", 1024), "logging.chunksCacheMB", 64, 65536),
        results_cache_mb=integer(block.get("resultsCacheMB", 256), "logging.resultsCacheMB", 64, 65536),
    )


def parse_tracing(raw: Any, stack: str) -> TracingSpec | None:
    """Validate `tracing`; None when it is absent or `enabled: false`."""
    if isinstance(raw, dict) and "nodeAgent" in raw:
        raise ConfigError(
            "tracing.nodeAgent",
            "the node agent is gone: services send OTLP straight to the gateway, which is what lets "
            "k8s_attributes name their pods (docs/platform.md#traces); remove the key",
        )
    keys = ("namespace", "gatewayReplicas", "retentionDays", "storageSize", "sampleRatio")
    block = _enabled(raw, "tracing", keys)
    if block is None:
        return None
    return TracingSpec(
        namespace=namespace_name(block.get("namespace", "tracing"), "tracing.namespace"),
        gateway_replicas=integer(block.get("gatewayReplicas", 1), "tracing.gatewayReplicas", 1, 20),
        retention_days=integer(block.get("retentionDays", 14), "tracing.retentionDays", 1, 3650),
        storage_size=quantity(block.get("storageSize", "10Gi"), "tracing.storageSize"),
        sample_ratio=unit_interval(
            block.get("sampleRatio", DEFAULT_SAMPLE_RATIO.get(stack, 1.0)),
            "tracing.sampleRatio",
            " (0.1 keeps one new trace in ten)",
        ),
    )


def parse_performance(raw: Any, secrets: set[str], stack: str) -> PerformanceSpec | None:
    """Validate `performance`; None when it is absent or `enabled: false`."""
    block = _enabled(raw, "performance", ("namespace", "storageSize", "organization", "bucket", "clientCidrs"))
    if block is None:
        return None
    for key in ("influxdbAdminPassword", "influxdbAdminToken"):
        if key not in secrets:
            raise ConfigError(
                key,
                f"is required while performance.enabled is true: pulumi config set --secret {key} <value> -s {stack}",
            )
    return PerformanceSpec(
        namespace=namespace_name(block.get("namespace", "performance"), "performance.namespace"),
        storage_size=quantity(block.get("storageSize", "20Gi"), "performance.storageSize"),
        organization=dns_label(block.get("organization", "nova"), "performance.organization"),
        bucket=dns_label(block.get("bucket", "baselines"), "performance.bucket"),
        client_cidrs=cidr_list(block.get("clientCidrs", []), "performance.clientCidrs"),
    )
