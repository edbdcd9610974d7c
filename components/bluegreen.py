"""BlueGreenService: the Deployments, Services, PDBs, HPAs and smoke tests of one service."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from components import conventions
from components.builders import bluegreen as build
from components.builders import scrape
from components.builders.tracing import Telemetry
from components.config.monitoring import MonitoringSpec
from components.config.services import ServiceSpec
from components.conventions import Color
from components.manifests import register


@dataclass(frozen=True)
class BlueGreenArgs:
    """What one BlueGreenService needs beyond its ServiceSpec."""

    spec: ServiceSpec
    namespace: str
    image_repository: str | pulumi.Output[str]  # <registry>/nova/<service>, or the ECR repository URL
    smoke_test_image: str
    monitoring: MonitoringSpec
    telemetry: Telemetry | None = None  # the OpenTelemetry SDK settings, when the stack traces
    after: list[pulumi.Resource] = field(default_factory=list)  # e.g. the namespace
    monitor_after: list[pulumi.Resource] = field(default_factory=list)  # what installs the PodMonitor CRD


class BlueGreenService(pulumi.ComponentResource):
    """Both colours of one service, the Service that routes live traffic to one of them, and
    the PodMonitor through which Prometheus scrapes both colours.

    Traffic moves only through real dependencies: the active Service is registered after the
    active colour's Deployment has rolled out and its smoke-test Job has succeeded (the
    Kubernetes provider awaits both: https://www.pulumi.com/registry/packages/kubernetes/api-docs/batch/v1/job/).
    If either fails, `pulumi up` stops before the selector changes and traffic stays put.
    """

    active_service: pulumi.CustomResource

    def __init__(self, name: str, args: BlueGreenArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("nova:platform:BlueGreenService", name, None, opts)
        spec, namespace = args.spec, args.namespace
        gates: dict[Color, list[pulumi.Resource]] = {}
        for color in spec.deployed_colors:
            gates[color] = self._colour(spec, color, args)

        register(
            spec.name,
            scrape.pod_monitor(spec, namespace, args.monitoring),
            pulumi.ResourceOptions(parent=self, depends_on=[*args.after, *args.monitor_after]),
        )
        self.active_service = register(
            spec.name,
            build.active_service(spec, namespace),
            pulumi.ResourceOptions(parent=self, depends_on=[*args.after, *gates[spec.active]]),
        )
        self.register_outputs(
            {
                "activeColor": spec.active,
                "activeTag": spec.tags[spec.active],
                "tags": dict(spec.tags),
                "activeServiceId": self.active_service.id,
            }
        )

    def _colour(self, spec: ServiceSpec, color: Color, args: BlueGreenArgs) -> list[pulumi.Resource]:
        """Register one colour; returns what must succeed before traffic may go to it."""
        namespace = args.namespace
        child = pulumi.ResourceOptions(parent=self, depends_on=list(args.after))
        name = conventions.colour_name(spec.name, color)
        image = pulumi.Output.concat(args.image_repository, ":", spec.tags[color])
        deployment = register(name, build.deployment(spec, color, namespace, image, args.telemetry), child)
        service = register(name, build.colour_service(spec, color, namespace), child)
        register(name, build.pod_disruption_budget(spec, color, namespace), child)
        if spec.is_scaled_to_zero(color):
            # No pods to test; `novactl switch` refuses to route to a colour scaled to zero.
            return [deployment]
        if spec.autoscaling is not None:
            register(name, build.horizontal_pod_autoscaler(spec, color, namespace), child)
        smoke_test = register(
            f"{name}-smoke",
            build.smoke_test_job(spec, color, namespace, args.smoke_test_image),
            pulumi.ResourceOptions(parent=self, depends_on=[*args.after, deployment, service]),
        )
        return [deployment, smoke_test]
