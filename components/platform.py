"""Platform: the root component that every stack builds from its PlatformConfig."""

from __future__ import annotations

import pulumi

from components.bluegreen import BlueGreenArgs, BlueGreenService
from components.builders import bluegreen as build
from components.config import PlatformConfig
from components.manifests import register
from components.monitoring import Monitoring, MonitoringSecrets
from components.slo import ServiceLevelObjectives


class Platform(pulumi.ComponentResource):
    """The Nova platform of one stack: its namespace and a BlueGreenService per service."""

    services: dict[str, BlueGreenService]

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        secrets: MonitoringSecrets,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("nova:platform:Platform", name, None, opts)
        self.monitoring = Monitoring("monitoring", config, secrets, pulumi.ResourceOptions(parent=self))
        self.slos = ServiceLevelObjectives(
            "slos", config, self.monitoring.crd_gate, pulumi.ResourceOptions(parent=self)
        )
        namespace = register(config.namespace, build.namespace(config.namespace), pulumi.ResourceOptions(parent=self))
        self.services = {
            spec.name: BlueGreenService(
                spec.name,
                BlueGreenArgs(
                    spec=spec,
                    namespace=config.namespace,
                    image_registry=config.image_registry,
                    smoke_test_image=config.smoke_test_image,
                    after=[namespace],
                ),
                pulumi.ResourceOptions(parent=self),
            )
            for spec in config.services
        }
        self.register_outputs(
            {
                "namespace": config.namespace,
                "activeColors": {spec.name: spec.active for spec in config.services},
            }
        )
