"""Stack config -> PlatformConfig: parsed once, validated fully, frozen.

Everything a user can get wrong in `Pulumi.<stack>.yaml` is caught here and reported as one
ConfigError naming the stack file and the full `pulumi config set --path` key, before a single
resource is registered. Nothing downstream reads `pulumi.Config`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from components import conventions
from components.config.access import wildcards
from components.config.aws import AwsSpec, parse_aws
from components.config.cluster import KUBE_CONTEXT_KEY, parse_cluster
from components.config.fields import (
    CombinedConfigError,
    ConfigError,
    ErrorCollector,
    choice,
    dns_label,
    mapping,
    namespace_name,
    pinned_image,
    present,
    quantity,
    registry,
    reject_unknown,
    required,
)
from components.config.gitops import GitOpsSpec, parse_gitops
from components.config.monitoring import MonitoringSpec, parse_monitoring
from components.config.network import NetworkSpec, parse_network
from components.config.observability import (
    LoggingSpec,
    PerformanceSpec,
    TracingSpec,
    parse_logging,
    parse_performance,
    parse_tracing,
)
from components.config.quantities import parse_quantity
from components.config.secrets import SECRET_KEYS, service_secret_keys
from components.config.services import ServiceSpec, parse_service, service_settings

# m5.large / m6i.large: 8 GiB, about 7.2 GiB allocatable once the kubelet's reserve is taken.
DEFAULT_NODE_MEMORY = "7Gi"

Cloud = Literal["aws", "local"]
CLOUDS: tuple[Cloud, ...] = ("aws", "local")


@dataclass(frozen=True)
class PlatformConfig:
    """The whole validated stack config."""

    stack: str
    namespace: str
    cloud: Cloud
    cluster_name: str  # the `cluster` label on every alert, and the EKS cluster's name
    image_registry: str | None  # local stacks; AWS stacks pull from their ECR repositories
    smoke_test_image: str
    services: tuple[ServiceSpec, ...]
    monitoring: MonitoringSpec
    gitops: GitOpsSpec | None = None
    logging: LoggingSpec | None = None
    tracing: TracingSpec | None = None
    performance: PerformanceSpec | None = None
    aws: AwsSpec | None = None  # set exactly when cloud is aws
    network: NetworkSpec | None = None  # None: no NetworkPolicies (networkPolicy.enabled: false)
    node_memory: str = DEFAULT_NODE_MEMORY  # allocatable memory of one node: no pod may ask for more
    storage_class: str | None = None  # every piece's volumes (monitoring may override); None: the default class
    kube_context: str | None = None  # `kubernetes:context`; None: the kubeconfig's current context
    cluster_uid: str | None = None  # kube-system's UID in the stack's own cluster (components/cluster.py)

    def service(self, name: str) -> ServiceSpec:
        """The service called `name` (KeyError when the stack has none)."""
        for spec in self.services:
            if spec.name == name:
                return spec
        raise KeyError(name)


# Defaults for every service; `serviceDefaults` in the stack file overrides them, and each
# `services.<name>` entry overrides that. Documented in docs/stacks.md.
OBJECT_KEYS = (
    "serviceDefaults",
    "services",
    "monitoring",
    "gitops",
    "logging",
    "tracing",
    "performance",
    "aws",
    "networkPolicy",
)
"""The keys whose values are objects (the engine hands them over as JSON)."""
TOP_LEVEL_KEYS = (
    "namespace",
    "cloud",
    "clusterName",
    "imageRegistry",
    "smokeTestImage",
    "nodeMemory",
    "storageClass",
    "clusterUid",
    *OBJECT_KEYS,
    *SECRET_KEYS,
)
AWS_REGION_KEY = "aws:region"
"""The AWS provider's region, read from outside our namespace."""
FOREIGN_KEYS = (AWS_REGION_KEY, KUBE_CONTEXT_KEY)
SECRET_MARK = "[secret]"
"""What a secret key holds in the parsed raw config: its presence, never its value."""


def decode_engine_config(flat: Mapping[str, str], stack: str, secret_keys: Collection[str]) -> dict[str, Any]:
    """The project's keys from the engine's flat `namespace:key` -> string map, objects decoded.

    The engine hands every value over as a string and objects as JSON (PULUMI_CONFIG), and
    names the keys that hold secrets (PULUMI_CONFIG_SECRET_KEYS). Secret keys only record that
    they are set; their values are read as Pulumi secrets. One written in plain text would sit
    in git in clear, and is refused.
    """
    prefix = f"{conventions.PROJECT}:"
    raw: dict[str, Any] = {}
    raw.update({key: flat[key] for key in FOREIGN_KEYS if key in flat})
    for full_key, text in flat.items():
        if not full_key.startswith(prefix):
            continue
        key = full_key[len(prefix) :]
        if key in OBJECT_KEYS:
            if full_key in secret_keys:
                # `pulumi config set --path --secret services.x.env.Y`: the engine marks the
                # whole object secret, and the program would hand its values out in plain.
                raise ConfigError(
                    key,
                    "holds a secret inside it, which would reach the cluster as a plain value; store it "
                    "as a key of its own with pulumi config set --secret and name that key in secretEnv",
                    f"Pulumi.{stack}.yaml",
                )
            try:
                raw[key] = json.loads(text)
            except json.JSONDecodeError:
                raise ConfigError(key, "expected an object", f"Pulumi.{stack}.yaml") from None
        else:
            raw[key] = text
    return _secrets_as_presence(raw, stack, secret_keys)


def _secrets_as_presence(raw: dict[str, Any], stack: str, secret_keys: Collection[str]) -> dict[str, Any]:
    """The platform's own secrets, and those the services read (secretEnv), as only their
    presence; every other key must be plain: the program hands it out as it is, so under the
    engine a value stored with --secret would sit in state and in the cluster in plain text."""
    prefix = f"{conventions.PROJECT}:"
    secrets = (*SECRET_KEYS, *service_secret_keys(raw))
    for key in secrets:
        if key not in raw:
            continue
        if f"{prefix}{key}" in secret_keys:
            raw[key] = SECRET_MARK
        elif key in SECRET_KEYS:
            raise plain_text_secret(key, stack, f"Pulumi.{stack}.yaml")
    for key in raw:
        if key not in secrets and f"{prefix}{key}" in secret_keys:
            raise ConfigError(
                key,
                "is stored as a secret, but it is plain config that reaches state and the cluster as "
                f"it is; set it without --secret: pulumi config set {key} <value> -s {stack}",
                f"Pulumi.{stack}.yaml",
            )
    return raw


def plain_text_secret(key: str, stack: str, stack_file: str | None = None) -> ConfigError:
    return ConfigError(
        key,
        "is in plain text in the stack file; remove that line and store it encrypted: "
        f"pulumi config set --secret {key} <value> -s {stack}",
        stack_file,
    )


def parse_platform_config(raw: Mapping[str, Any], stack: str) -> PlatformConfig:
    """Validate the `nova-platform:*` config of one stack (keys without the namespace)."""
    stack_file = f"Pulumi.{stack}.yaml"
    try:
        return _parse(raw, stack)
    except ConfigError as error:
        for each in error.errors if isinstance(error, CombinedConfigError) else ():
            each.stack_file = stack_file
        error.stack_file = stack_file
        raise


def _parse(raw: Mapping[str, Any], stack: str) -> PlatformConfig:
    # A service's secrets are top-level keys too, named by its secretEnv.
    reject_unknown(raw, (*TOP_LEVEL_KEYS, *FOREIGN_KEYS, *service_secret_keys(raw)), "")
    namespace = required(raw, "namespace", "namespace", namespace_name)
    cloud = choice(raw.get("cloud", "aws"), "cloud", CLOUDS)
    cluster_name = dns_label(raw.get("clusterName", f"nova-{stack}"), "clusterName")
    image_registry = _image_registry(raw, cloud)
    smoke_image = pinned_image(raw.get("smokeTestImage", conventions.SMOKE_TEST_IMAGE), "smokeTestImage")
    if stack in conventions.STRICT_STACKS and "@sha256:" not in smoke_image:
        raise ConfigError(
            "smokeTestImage", f"{smoke_image!r}: {stack} runs Jobs on images pinned by digest (image:tag@sha256:...)"
        )
    defaults = service_settings(mapping(raw.get("serviceDefaults", {}), "serviceDefaults"), "serviceDefaults", False)
    services_raw = mapping(present(raw, "services", "services"), "services")
    if not services_raw:
        raise ConfigError("services", "at least one service is required")
    # Services and blocks are independent: every mistake among them is reported at once.
    found = ErrorCollector()

    def service(name: str, entry: Any) -> ServiceSpec:
        spec = parse_service(name, entry, defaults)
        _check_service_secrets(spec, raw, stack)
        _check_statements(spec, cloud, stack)
        return spec

    parsed = [found.attempt(functools.partial(service, name, entry)) for name, entry in sorted(services_raw.items())]
    secrets = {key for key in SECRET_KEYS if key in raw}
    monitoring = found.attempt(lambda: parse_monitoring(raw.get("monitoring"), secrets, stack))
    gitops = found.attempt(lambda: parse_gitops(raw.get("gitops"), stack, secrets))
    logging = found.attempt(lambda: parse_logging(raw.get("logging")))
    tracing = found.attempt(lambda: parse_tracing(raw.get("tracing"), stack))
    performance = found.attempt(lambda: parse_performance(raw.get("performance"), secrets, stack))
    aws = found.attempt(lambda: parse_aws(raw.get("aws"), cloud, raw.get(AWS_REGION_KEY)))
    network = found.attempt(lambda: parse_network(raw.get("networkPolicy")))
    node_memory = found.attempt(lambda: quantity(raw.get("nodeMemory", DEFAULT_NODE_MEMORY), "nodeMemory"))
    storage_class = found.attempt(lambda: _storage_class(raw.get("storageClass")))
    cluster = found.attempt(lambda: parse_cluster(raw, cloud, stack))
    found.raise_if_any()
    services = tuple(spec for spec in parsed if spec is not None)
    assert monitoring is not None
    assert node_memory is not None
    config = PlatformConfig(
        stack,
        namespace,
        cloud,
        cluster_name,
        image_registry,
        smoke_image,
        services,
        monitoring,
        gitops=gitops,
        logging=logging,
        tracing=tracing,
        performance=performance,
        aws=aws,
        network=network,
        node_memory=node_memory,
        storage_class=storage_class,
        kube_context=cluster[0] if cluster else None,
        cluster_uid=cluster[1] if cluster else None,
    )
    _distinct_namespaces(config)
    _fits_a_node(config)
    return config


def _storage_class(value: Any) -> str | None:
    return None if value is None else dns_label(value, "storageClass")


def volume_classes(config: PlatformConfig) -> dict[str, str | None]:
    """The StorageClass of each piece that keeps data on volumes, by its config block (None: the
    cluster's default class). Each chart's values and `novactl check --live` read it here."""
    classes: dict[str, str | None] = {}
    if config.monitoring.storage is not None:
        classes["monitoring"] = config.monitoring.storage.storage_class or config.storage_class
    for piece, spec in (("logging", config.logging), ("tracing", config.tracing), ("performance", config.performance)):
        if spec is not None:
            classes[piece] = config.storage_class
    return classes


def storage_class_key(config: PlatformConfig, piece: str) -> str:
    """The config key that sets `piece`'s StorageClass in volume_classes (what to name to a user)."""
    storage = config.monitoring.storage
    if piece == "monitoring" and storage is not None and storage.storage_class is not None:
        return "monitoring.storage.storageClass"
    return "storageClass"


def memory_requests(config: PlatformConfig) -> dict[str, tuple[str, int]]:
    """What asks the scheduler for memory, as config sets it: key -> (what, bytes requested)."""
    requests = {
        f"services.{spec.name}.resources.memory": (spec.name, int(parse_quantity(spec.resources.memory)))
        for spec in config.services
    }
    if config.logging is not None:
        for name, amount in config.logging.cache_memory_requests().items():
            key = f"logging.{name.removesuffix('Cache')}CacheMB"
            requests[key] = (f"Loki's {name} pods", amount)
    return requests


def _fits_a_node(config: PlatformConfig) -> None:
    """No pod asks for more memory than one node has: it would never be scheduled, and a Helm
    release (atomic) would roll the whole install back after its timeout."""
    node = int(parse_quantity(config.node_memory))
    for key, (what, amount) in memory_requests(config).items():
        if amount > node:
            raise ConfigError(
                key,
                f"{what} would request {amount / 2**30:.1f} GiB of memory, more than a node has "
                f"(nodeMemory {config.node_memory}); lower it or set nodeMemory to the nodes' allocatable memory",
            )


def _check_service_secrets(spec: ServiceSpec, raw: Mapping[str, Any], stack: str) -> None:
    """Every secret a service reads is set, and set as a secret."""
    for variable, key in spec.secret_env.items():
        where = f"services.{spec.name}.secretEnv.{variable}"
        if key in TOP_LEVEL_KEYS:
            raise ConfigError(where, f"{key!r} is one of the platform's own keys; name a secret of the service's own")
        if key not in raw:
            raise ConfigError(
                where, f"reads the secret {key}, which is not set: pulumi config set --secret {key} <value> -s {stack}"
            )
        if raw[key] != SECRET_MARK:
            raise plain_text_secret(key, stack)


def _check_statements(spec: ServiceSpec, cloud: Cloud, stack: str) -> None:
    """IAM statements need AWS, and production grants nothing by wildcard and nothing that
    escalates unless the statement accepts that action by name (allowEscalation)."""
    if not spec.aws_statements:
        return
    where = f"services.{spec.name}.aws.statements"
    if cloud != "aws":
        raise ConfigError(where, "this stack has no AWS (cloud: local); IAM statements need an AWS stack")
    if stack in conventions.STRICT_STACKS:
        for index, statement in enumerate(spec.aws_statements):
            found = wildcards(statement.actions, statement.resources)
            if found:
                raise ConfigError(
                    f"{where}[{index}]", f"{', '.join(found)}: {stack} grants no wildcards; name the actions and ARNs"
                )
            escalating = statement.escalations()
            if escalating:
                raise ConfigError(
                    f"{where}[{index}]",
                    f"{', '.join(escalating)} can escalate privileges; {stack} refuses it unless the statement "
                    f"names it in allowEscalation (after a review)",
                )


def _distinct_namespaces(config: PlatformConfig) -> None:
    """Each piece creates its own namespace; two pieces sharing one would fight over it."""
    owners = {"namespace": config.namespace}
    if config.monitoring.install:
        owners["monitoring.namespace"] = config.monitoring.namespace
    for key, spec in (
        ("gitops", config.gitops),
        ("logging", config.logging),
        ("tracing", config.tracing),
        ("performance", config.performance),
    ):
        if spec is not None:
            owners[f"{key}.namespace"] = spec.namespace
    seen: dict[str, str] = {}
    for key, namespace in owners.items():
        if namespace in seen:
            raise ConfigError(key, f"{namespace!r} is already the namespace of {seen[namespace]}; pick another")
        seen[namespace] = key


def _image_registry(raw: Mapping[str, Any], cloud: Cloud) -> str | None:
    """Local stacks name their registry; AWS stacks pull from the ECR repositories they own."""
    if cloud == "local":
        return required(raw, "imageRegistry", "imageRegistry", registry)
    if "imageRegistry" in raw:
        raise ConfigError(
            "imageRegistry", "only for cloud: local; an AWS stack pulls from its own ECR repositories (nova/<service>)"
        )
    return None
