"""ArgoCD: chart values, the locked-down `nova` AppProject and the stack's Application.

Value keys are the argo-cd chart's (argoproj/argo-helm, charts/argo-cd/values.yaml); CR
fields are ArgoCD's (argoproj.io/v1alpha1 AppProject and Application).
"""

from __future__ import annotations

from typing import Any

from components import conventions
from components.builders import Manifest
from components.config.gitops import GitOpsSpec
from components.config.stack import PlatformConfig

PROJECT = "nova"
CI_ROLE = "ci"
IN_CLUSTER = "https://kubernetes.default.svc"
API_VERSION = "argoproj.io/v1alpha1"


def application_name(config: PlatformConfig) -> str:
    return f"nova-{config.stack}"


NOTIFICATIONS_SECRET = "argocd-notifications-secret"
"""The Secret the notifications controller reads `$slack-token` from (notifications.secret.name)."""
SLACK_TOKEN_ITEM = "slack-token"
# Trigger -> (condition, message). The conditions are the catalog's own
# (argo-cd docs, operator-manual/notifications/catalog.md); ArgoCD expands {{...}} itself.
TRIGGERS = {
    "on-sync-failed": (
        "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']",
        ":x: {{.app.metadata.name}}: sync failed at {{.app.status.operationState.syncResult.revision}}: "
        "{{.app.status.operationState.message}}",
    ),
    "on-health-degraded": (
        "app.status.health.status == 'Degraded'",
        ":warning: {{.app.metadata.name}}: health degraded",
    ),
    "on-sync-succeeded": (
        "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded']",
        ":white_check_mark: {{.app.metadata.name}}: synced {{.app.status.operationState.syncResult.revision}}",
    ),
}


def notifications(channel: str) -> dict[str, Any]:
    """The chart's notifications controller posting to `channel` about the stack's Application.

    The token comes from a Secret the program creates from a Pulumi secret (`argocdSlackToken`),
    so the chart must not create one with values in plain text (notifications.secret.create).
    """
    return {
        "enabled": True,
        "secret": {"create": False, "name": NOTIFICATIONS_SECRET},
        "notifiers": {"service.slack": f"token: ${SLACK_TOKEN_ITEM}\n"},
        "triggers": {
            f"trigger.{trigger}": f"- when: {condition}\n  send: [app-{trigger.removeprefix('on-')}]\n"
            for trigger, (condition, _) in TRIGGERS.items()
        },
        "templates": {
            f"template.app-{trigger.removeprefix('on-')}": f"message: |\n  {message}\n"
            for trigger, (_, message) in TRIGGERS.items()
        },
        "subscriptions": [{"recipients": [f"slack:{channel.removeprefix('#')}"], "triggers": list(TRIGGERS)}],
    }


def chart_values(spec: GitOpsSpec) -> dict[str, Any]:
    """A light ArgoCD, or with `ha` the chart's HA layout (redis-ha needs three nodes)."""
    values: dict[str, Any] = {
        "crds": {"install": True, "keep": True},  # keep: uninstalling must not delete every Application
        "dex": {"enabled": False},  # no SSO configured here: the admin login and project tokens only
        "configs": {
            "cm": {
                # Annotation tracking: our objects carry app.kubernetes.io/instance, which label
                # tracking would read as "owned by an Application of that name".
                "application.resourceTrackingMethod": "annotation",
                # Syncing any revision but the Application's own needs the `override` action
                # (ArgoCD 3.2+, argoproj/argo-cd#22858); the CI role does not have it.
                "application.sync.requireOverridePrivilegeForRevisionSync": "true",
            },
        },
        "redis-ha": {"enabled": spec.ha},
    }
    if spec.slack_channel is not None:
        values["notifications"] = notifications(spec.slack_channel)
    if spec.ha:
        values["controller"] = {"replicas": 1}  # the controller shards by cluster; one cluster here
        values["server"] = {"replicas": 2}
        values["repoServer"] = {"replicas": 2}
        values["applicationSet"] = {"replicas": 2}
    return values


def app_project(config: PlatformConfig) -> Manifest:
    """`nova`: one source repository, the stack namespace only, only the kinds the repository is
    for (namespaceResourceWhitelist: ConfigMaps and ExternalSecrets by default; none of
    Pulumi's, no RBAC, nothing that runs pods), no cluster-scoped kinds but the listed ones,
    and a CI role that may only get and sync one Application."""
    spec = _spec(config)
    app = f"{PROJECT}/{application_name(config)}"
    return {
        "apiVersion": API_VERSION,
        "kind": "AppProject",
        "metadata": {"name": PROJECT, "namespace": spec.namespace, "labels": conventions.owned_labels()},
        "spec": {
            "description": f"Nova on {config.stack}: {spec.repo_url} into {config.namespace}",
            "sourceRepos": [spec.repo_url],
            "destinations": [{"server": IN_CLUSTER, "namespace": config.namespace}],
            "clusterResourceWhitelist": [{"group": item.group, "kind": item.kind} for item in spec.cluster_resources],
            "namespaceResourceWhitelist": [
                {"group": item.group, "kind": item.kind} for item in spec.namespace_resources
            ],
            "roles": [
                {
                    "name": CI_ROLE,
                    "description": "CI: read and sync this stack's Application at its own revision",
                    "policies": [
                        f"p, proj:{PROJECT}:{CI_ROLE}, applications, get, {app}, allow",
                        f"p, proj:{PROJECT}:{CI_ROLE}, applications, sync, {app}, allow",
                    ],
                }
            ],
        },
    }


def application(config: PlatformConfig) -> Manifest:
    """`nova-<stack>`: automated sync with prune and selfHeal, retried with backoff."""
    spec = _spec(config)
    return {
        "apiVersion": API_VERSION,
        "kind": "Application",
        "metadata": {
            "name": application_name(config),
            "namespace": spec.namespace,
            "labels": conventions.owned_labels(),
        },
        "spec": {
            "project": PROJECT,
            "source": {"repoURL": spec.repo_url, "targetRevision": spec.target_revision, "path": spec.path},
            "destination": {"server": IN_CLUSTER, "namespace": config.namespace},
            "syncPolicy": {
                "automated": {"prune": True, "selfHeal": True},
                "syncOptions": ["CreateNamespace=true"],
                "retry": {"limit": 5, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "5m"}},
            },
        },
    }


def _spec(config: PlatformConfig) -> GitOpsSpec:
    if config.gitops is None:
        raise ValueError("gitops is not enabled on this stack")
    return config.gitops
