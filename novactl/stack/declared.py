"""A stack as its files declare it, with no render and no Pulumi SDK: the validated config, one
service of it, its Kubernetes context, and what `novactl status` prints of it."""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path
from typing import Any

from components.config.fields import ConfigError
from components.config.services import ServiceSpec
from components.config.stack import PlatformConfig
from components.conventions import other_color
from novactl.stack.files import load_stack_config, platform_config


def find_service(platform: PlatformConfig, name: str) -> ServiceSpec:
    try:
        return platform.service(name)
    except KeyError:
        names = [spec.name for spec in platform.services]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (services: {', '.join(names)})"
        raise ConfigError(f"services.{name}", f"unknown service{hint}", f"Pulumi.{platform.stack}.yaml") from None


def kube_context(project_dir: Path, stack: str) -> str | None:
    """The stack's `kubernetes:context`, as the Kubernetes provider reads it (None: current)."""
    value = load_stack_config(project_dir, stack, placeholder_secrets=True).values.get("kubernetes:context")
    return str(value) if value else None


def only_service(platform: PlatformConfig, name: str) -> PlatformConfig:
    """The platform with one service (`novactl status STACK SERVICE`)."""
    return dataclasses.replace(platform, services=(find_service(platform, name),))


def declared_platform(project_dir: Path, stack: str) -> PlatformConfig:
    """The stack's validated config as its files declare it (secrets need not be set)."""
    return platform_config(load_stack_config(project_dir, stack, placeholder_secrets=True))


def status_document(platform: PlatformConfig) -> dict[str, Any]:
    """What `status --json` prints: per service its active colour, tags, replicas, idle policy
    and canary (the promote workflow reads the colour to roll back to from it)."""
    return {
        "stack": platform.stack,
        "namespace": platform.namespace,
        "services": {
            spec.name: {
                "active": spec.active,
                "tags": dict(spec.tags),
                "replicas": spec.replicas if spec.autoscaling is None else None,
                "idle": spec.idle,
                "canaryPods": spec.canary_pods,
            }
            for spec in platform.services
        },
    }


def status_rows(platform: PlatformConfig) -> list[list[str]]:
    """One row per service: name, active colour, blue tag, green tag, replicas, idle policy."""
    rows = [["SERVICE", "ACTIVE", "BLUE", "GREEN", "REPLICAS", "IDLE", "CANARY"]]
    for spec in platform.services:
        replicas = f"hpa {spec.autoscaling.min}-{spec.autoscaling.max}" if spec.autoscaling else str(spec.replicas)
        rows.append(
            [
                spec.name,
                spec.active,
                spec.tags.get("blue", "-"),
                spec.tags.get("green", "-"),
                replicas,
                spec.idle,
                f"{other_color(spec.active)} x{spec.canary_pods}" if spec.canary_pods is not None else "-",
            ]
        )
    return rows
