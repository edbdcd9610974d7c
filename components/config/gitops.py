"""The `gitops` block of the stack config: ArgoCD and the one Application it syncs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.config.fields import (
    ConfigError,
    boolean,
    https_url,
    mapping,
    namespace_name,
    objects,
    reject_unknown,
    string,
)

DEFAULT_REPO = "https://github.com/proerror/nova"
SLACK_TOKEN_KEY = "argocdSlackToken"
_KEYS = (
    "enabled",
    "namespace",
    "ha",
    "repoUrl",
    "targetRevision",
    "path",
    "clusterResources",
    "namespaceResources",
    "slackChannel",
)
# What the GitOps repository is for in the stack namespace: configuration, and secrets that
# an operator fetches (never a Secret's data in git). The AppProject allows these kinds only.
DEFAULT_NAMESPACE_RESOURCES = (("", "ConfigMap"), ("external-secrets.io", "ExternalSecret"))
# Kinds a writer of the GitOps repository must never get: RBAC (a RoleBinding to `admin`),
# policies that open the network, Secrets that replace Pulumi's, identities, and anything that
# runs pods (a bare ReplicaSet labelled like a service would join its live Service).
_REFUSED_GROUPS = ("rbac.authorization.k8s.io",)
_REFUSED_KINDS = (
    ("", "Secret"),
    ("", "ServiceAccount"),
    ("", "Pod"),
    ("", "ReplicationController"),
    ("", "Service"),
    ("", "Endpoints"),
    ("discovery.k8s.io", "EndpointSlice"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("policy", "PodDisruptionBudget"),
    ("autoscaling", "HorizontalPodAutoscaler"),
)


@dataclass(frozen=True)
class ClusterResource:
    """A cluster-scoped kind the Application may manage (AppProject clusterResourceWhitelist)."""

    group: str  # "" is the core API group
    kind: str


@dataclass(frozen=True)
class GitOpsSpec:
    """ArgoCD on this cluster and the stack's Application."""

    namespace: str
    ha: bool  # production: redis-ha and replicated server, repo server and ApplicationSet controller
    repo_url: str  # the only source repository the `nova` AppProject accepts
    target_revision: str
    path: str  # e.g. k8s/overlays/staging
    cluster_resources: tuple[ClusterResource, ...]
    slack_channel: str | None = None  # ArgoCD's notifications about the Application go here
    namespace_resources: tuple[ClusterResource, ...] = tuple(
        ClusterResource(group, kind) for group, kind in DEFAULT_NAMESPACE_RESOURCES
    )  # AppProject namespaceResourceWhitelist


def parse_gitops(raw: Any, stack: str, secrets: set[str] | frozenset[str] = frozenset()) -> GitOpsSpec | None:
    """Validate `gitops`; None when it is absent or `enabled: false`."""
    block = mapping(raw if raw is not None else {}, "gitops")
    reject_unknown(block, _KEYS, "gitops")
    if not boolean(block.get("enabled", False), "gitops.enabled"):
        return None
    path = string(block.get("path", f"k8s/overlays/{stack}"), "gitops.path")
    if path.startswith("/") or ".." in path.split("/"):
        raise ConfigError("gitops.path", f"{path!r} must be a path inside the repository (no leading '/', no '..')")
    channel = block.get("slackChannel")
    if channel is not None:
        channel = string(channel, "gitops.slackChannel")
        if not channel.startswith("#"):
            raise ConfigError("gitops.slackChannel", f"{channel!r} is not a Slack channel (#channel)")
        if SLACK_TOKEN_KEY not in secrets:
            raise ConfigError(
                SLACK_TOKEN_KEY,
                f"is required while gitops.slackChannel is set (ArgoCD's Slack app token): "
                f"pulumi config set --secret {SLACK_TOKEN_KEY} xoxb-... -s {stack}",
            )
    return GitOpsSpec(
        slack_channel=channel,
        namespace=namespace_name(block.get("namespace", "argocd"), "gitops.namespace"),
        ha=boolean(block.get("ha", False), "gitops.ha"),
        repo_url=https_url(block.get("repoUrl", DEFAULT_REPO), "gitops.repoUrl"),
        target_revision=string(block.get("targetRevision", "main"), "gitops.targetRevision"),
        path=path.rstrip("/"),
        cluster_resources=_kinds(block.get("clusterResources", []), "gitops.clusterResources"),
        namespace_resources=_kinds(
            block.get("namespaceResources", [{"group": g, "kind": k} for g, k in DEFAULT_NAMESPACE_RESOURCES]),
            "gitops.namespaceResources",
        ),
    )


def _kinds(raw: Any, key: str) -> tuple[ClusterResource, ...]:
    """A list of {group, kind}: no wildcards, no RBAC, nothing that runs pods or opens the way."""
    resources = []
    for where, entry in objects(raw, key, ("group", "kind")):
        group = entry.get("group", "")
        if not isinstance(group, str):
            raise ConfigError(f"{where}.group", f'expected a string ("" is the core group), got {group!r}')
        kind = string(entry.get("kind"), f"{where}.kind")
        if kind == "*" or group == "*":
            raise ConfigError(where, "wildcards are not allowed: list each kind")
        if group in _REFUSED_GROUPS or (group, kind) in _REFUSED_KINDS:
            raise ConfigError(
                where,
                f"{group or 'core'}/{kind} is not for the GitOps repository: a writer of it could grant "
                "roles, open the network, replace a secret or run pods beside Pulumi's (docs/security.md)",
            )
        resources.append(ClusterResource(group, kind))
    return tuple(resources)
