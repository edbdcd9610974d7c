"""GitOps: ArgoCD, the locked-down `nova` AppProject and the stack's Application."""

from __future__ import annotations

import pulumi

from components import conventions, helm
from components.builders import gitops
from components.builders.core import namespace, secret
from components.config.stack import PlatformConfig
from components.manifests import isolate, register


class GitOps(pulumi.ComponentResource):
    """ArgoCD syncing `gitops.path` of the Nova repository into the stack namespace.

    The AppProject and Application are ArgoCD CRs: they depend on the release that installs
    their CRDs, so they are created only once the chart (atomic) has installed cleanly.
    """

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        slack_token: pulumi.Output[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("nova:platform:GitOps", name, None, opts)
        spec = config.gitops
        assert spec is not None
        ns = register(spec.namespace, namespace(spec.namespace, "baseline"), pulumi.ResourceOptions(parent=self))
        isolate(config, "gitops", spec.namespace, self, ns)
        before_release = [ns]
        if spec.slack_channel is not None:
            # The notifications controller reads $slack-token from this Secret; the token stays a
            # Pulumi secret and never enters the chart's values.
            before_release.append(
                register(
                    gitops.NOTIFICATIONS_SECRET,
                    secret(gitops.NOTIFICATIONS_SECRET, spec.namespace, {gitops.SLACK_TOKEN_ITEM: slack_token}),
                    pulumi.ResourceOptions(parent=self, depends_on=[ns]),
                )
            )
        release = helm.release(
            conventions.ARGOCD_RELEASE,
            "argo-cd",
            spec.namespace,
            gitops.chart_values(spec),
            pulumi.ResourceOptions(parent=self, depends_on=before_release),
        )
        after_crds = pulumi.ResourceOptions(parent=self, depends_on=[release])
        project = register(gitops.PROJECT, gitops.app_project(config), after_crds)
        self.application = register(
            gitops.application_name(config),
            gitops.application(config),
            pulumi.ResourceOptions(parent=self, depends_on=[release, project]),
        )
        self.register_outputs(
            {
                "namespace": spec.namespace,
                "release": conventions.ARGOCD_RELEASE,
                "application": gitops.application_name(config),
            }
        )
