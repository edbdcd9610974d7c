"""Register a plain manifest dict as the typed pulumi-kubernetes resource of its kind, and the
NetworkPolicies that isolate a piece's namespace (each piece calls `isolate` after its namespace)."""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.builders import Manifest, network
from components.config.stack import PlatformConfig

_RESOURCE_CLASSES: dict[tuple[str, str], Any] = {
    ("v1", "Namespace"): k8s.core.v1.Namespace,
    ("v1", "Service"): k8s.core.v1.Service,
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("v1", "Secret"): k8s.core.v1.Secret,
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("batch/v1", "Job"): k8s.batch.v1.Job,
    ("policy/v1", "PodDisruptionBudget"): k8s.policy.v1.PodDisruptionBudget,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): k8s.autoscaling.v2.HorizontalPodAutoscaler,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
    ("networking.k8s.io/v1", "Ingress"): k8s.networking.v1.Ingress,
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def register(resource_name: str, manifest: Manifest, opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
    """Register `manifest` with the typed class of its apiVersion and kind.

    Typed classes (not yaml.ConfigGroup) so the engine, the policy pack and previews see the
    real resource type, and so registration needs no provider round-trip.
    """
    key = (manifest["apiVersion"], manifest["kind"])
    fields = {_snake(field): value for field, value in manifest.items() if field not in ("apiVersion", "kind")}
    if key in _RESOURCE_CLASSES:
        resource: pulumi.CustomResource = _RESOURCE_CLASSES[key](resource_name, opts=opts, **fields)
        return resource
    if "." in key[0].split("/")[0]:
        # A custom resource (monitoring.coreos.com/v1 PrometheusRule, ...): its CRD must exist,
        # so callers make it depend on whatever installs that CRD.
        return k8s.apiextensions.CustomResource(resource_name, api_version=key[0], kind=key[1], opts=opts, **fields)
    raise ValueError(f"no resource class registered for {key[0]} {key[1]}")


def isolate(
    config: PlatformConfig, piece: str, namespace: str, parent: pulumi.Resource, after: pulumi.Resource
) -> list[pulumi.CustomResource]:
    """The NetworkPolicies of a piece's namespace (networkPolicy.enabled), after the namespace."""
    if config.network is None:
        return []
    opts = pulumi.ResourceOptions(parent=parent, depends_on=[after])
    return [
        register(policy["metadata"]["name"], policy, opts)
        for policy in network.piece_policies(config, piece, namespace)
    ]
