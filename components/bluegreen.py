"""BlueGreenService: one service's colours, the Service that routes to one of them, and what
both colours share: identity, secrets, scraping, network policy and the way in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from components import conventions
from components.aws_identity import ClusterIdentity, irsa_role
from components.builders import access, analysis, network, scrape
from components.builders import aws as iam
from components.builders import bluegreen as build
from components.builders.tracing import service_telemetry
from components.config.access import wildcards
from components.config.services import ServiceSpec
from components.config.stack import PlatformConfig
from components.conventions import Color
from components.manifests import register


@dataclass(frozen=True)
class BlueGreenArgs:
    """What one BlueGreenService needs beyond its ServiceSpec."""

    spec: ServiceSpec
    config: PlatformConfig
    image_repository: str | pulumi.Output[str]  # <registry>/nova/<service>, or the ECR repository URL
    secrets: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)  # variable -> value (secretEnv)
    identity: ClusterIdentity | None = None  # the cluster's OIDC identity, for a service with aws.statements
    after: list[pulumi.Resource] = field(default_factory=list)  # e.g. the namespace
    monitor_after: list[pulumi.Resource] = field(default_factory=list)  # what installs the PodMonitor CRD


class BlueGreenService(pulumi.ComponentResource):
    """Both colours of one service, the Service that routes live traffic to one of them, and
    what the colours share: the ServiceAccount (and IAM role), the Secret of the service's own
    secrets, the PodMonitor that scrapes both colours, its NetworkPolicy and its Ingress.

    Traffic moves only through real dependencies: the active Service is registered after the
    active colour's Deployment has rolled out and its smoke-test Job has succeeded (the
    Kubernetes provider awaits both: https://www.pulumi.com/registry/packages/kubernetes/api-docs/batch/v1/job/).
    If either fails, `pulumi up` stops before the selector changes and traffic stays put.
    """

    active_service: pulumi.CustomResource

    def __init__(self, name: str, args: BlueGreenArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("nova:platform:BlueGreenService", name, None, opts)
        spec, config = args.spec, args.config
        namespace = config.namespace
        shared = pulumi.ResourceOptions(parent=self, depends_on=list(args.after))
        before_pods = [*args.after, self._identity(args, shared)]
        if spec.secret_env:
            values = {variable: args.secrets[variable] for variable in spec.secret_env}
            before_pods.append(
                register(conventions.env_secret_name(spec.name), access.env_secret(spec, namespace, values), shared)
            )

        gates: dict[Color, list[pulumi.Resource]] = {}
        for color in spec.deployed_colors:
            gates[color] = self._color(spec, color, args, before_pods)

        register(
            spec.name,
            scrape.pod_monitor(spec, namespace, config.monitoring),
            pulumi.ResourceOptions(parent=self, depends_on=[*args.after, *args.monitor_after]),
        )
        if config.network is not None:
            register(spec.name, network.service_policy(spec, config, config.network), shared)
        self.active_service = register(
            spec.name,
            build.active_service(spec, namespace),
            pulumi.ResourceOptions(parent=self, depends_on=[*args.after, *gates[spec.active]]),
        )
        if spec.analysed:
            # Watches the colour that has just taken traffic; `pulumi up` fails when it errs or
            # slows. A first deployment has no traffic to judge and no colour to fall back to.
            register(
                f"{spec.name}-analysis",
                analysis.analysis_job(spec, config),
                pulumi.ResourceOptions(parent=self, depends_on=[*args.after, self.active_service]),
            )
        if spec.ingress is not None:
            register(
                spec.name,
                access.ingress(spec, namespace, config.cloud),
                pulumi.ResourceOptions(parent=self, depends_on=[self.active_service]),
            )
        self.register_outputs(
            {
                "activeColor": spec.active,
                "activeTag": spec.tags[spec.active],
                "tags": dict(spec.tags),
                "activeServiceId": self.active_service.id,
            }
        )

    def _identity(self, args: BlueGreenArgs, opts: pulumi.ResourceOptions) -> pulumi.Resource:
        """The ServiceAccount both colours run as, with its IAM role when it has statements."""
        spec, config = args.spec, args.config
        role_arn: pulumi.Output[str] | None = None
        if spec.aws_statements:
            assert args.identity is not None, "AWS stacks look the cluster identity up for services with statements"
            for statement in spec.aws_statements:
                found = wildcards(statement.actions, statement.resources)
                if found:
                    # Refused on production by the config; elsewhere said out loud.
                    pulumi.log.warn(f"{spec.name}: IAM statement grants {', '.join(found)}; name them", self)
                escalating = statement.escalations()
                if escalating:
                    pulumi.log.warn(
                        f"{spec.name}: IAM statement grants {', '.join(escalating)}, which can escalate privileges; "
                        "drop it, or accept it by name in allowEscalation",
                        self,
                    )
            role = irsa_role(
                iam.role_name(config, spec.name),
                args.identity,
                (config.namespace, conventions.service_account_name(spec.name)),
                access.statements_policy(spec),
                pulumi.ResourceOptions(parent=self),
            )
            role_arn = role.arn
        return register(spec.name, access.service_account(spec, config.namespace, role_arn), opts)

    def _color(
        self, spec: ServiceSpec, color: Color, args: BlueGreenArgs, before_pods: list[pulumi.Resource]
    ) -> list[pulumi.Resource]:
        """Register one colour; returns what must succeed before traffic may go to it."""
        config = args.config
        namespace = config.namespace
        child = pulumi.ResourceOptions(parent=self, depends_on=before_pods)
        name = conventions.color_name(spec.name, color)
        image = pulumi.Output.concat(args.image_repository, ":", spec.tags[color])
        telemetry = service_telemetry(config)
        deployment = register(name, build.deployment(spec, color, namespace, image, telemetry), child)
        service = register(name, build.color_service(spec, color, namespace), child)
        register(name, build.pod_disruption_budget(spec, color, namespace), child)
        if spec.is_scaled_to_zero(color):
            # No pods to test; `novactl switch` refuses to route to a colour scaled to zero.
            return [deployment]
        if spec.autoscaling is not None:
            register(name, build.horizontal_pod_autoscaler(spec, color, namespace), child)
        smoke_test = register(
            f"{name}-smoke",
            build.smoke_test_job(spec, color, namespace, config.smoke_test_image),
            pulumi.ResourceOptions(parent=self, depends_on=[*args.after, deployment, service]),
        )
        return [deployment, smoke_test]
