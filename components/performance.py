"""PerformanceHistory: InfluxDB 2 on a persistent volume, admin credentials from Pulumi secrets."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import conventions, helm
from components.builders import performance as build
from components.builders.core import namespace, secret
from components.config.stack import PlatformConfig
from components.manifests import isolate, register


@dataclass(frozen=True)
class InfluxSecrets:
    """`influxdbAdminPassword` and `influxdbAdminToken`, as Pulumi secrets."""

    admin_password: pulumi.Output[str] | None
    admin_token: pulumi.Output[str] | None


class PerformanceHistory(pulumi.ComponentResource):
    """The store of performance baselines."""

    def __init__(
        self, name: str, config: PlatformConfig, secrets: InfluxSecrets, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("nova:platform:PerformanceHistory", name, None, opts)
        spec = config.performance
        assert spec is not None
        ns = register(spec.namespace, namespace(spec.namespace, "baseline"), pulumi.ResourceOptions(parent=self))
        isolate(config, "performance", spec.namespace, self, ns)
        auth = register(
            build.ADMIN_SECRET,
            secret(
                build.ADMIN_SECRET,
                spec.namespace,
                {build.PASSWORD_KEY: secrets.admin_password, build.TOKEN_KEY: secrets.admin_token},
            ),
            pulumi.ResourceOptions(parent=self, depends_on=[ns]),
        )
        helm.release(
            conventions.INFLUXDB_RELEASE,
            "influxdb2",
            spec.namespace,
            build.influxdb_values(config, spec),
            pulumi.ResourceOptions(parent=self, depends_on=[ns, auth]),
        )
        self.register_outputs({"namespace": spec.namespace, "release": conventions.INFLUXDB_RELEASE})
