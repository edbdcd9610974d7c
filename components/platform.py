"""Platform: the root component that every stack builds from its PlatformConfig."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from components import conventions
from components.aws_identity import ClusterIdentity, cluster_identity
from components.bluegreen import BlueGreenArgs, BlueGreenService
from components.builders import analysis, core, network
from components.config.services import ServiceSpec
from components.config.stack import PlatformConfig
from components.gitops import GitOps
from components.logs import Logs
from components.manifests import register
from components.monitoring import Monitoring, MonitoringSecrets
from components.performance import InfluxSecrets, PerformanceHistory
from components.registry import ImageRegistry
from components.slo import ServiceLevelObjectives
from components.traces import Traces


@dataclass(frozen=True)
class PlatformSecrets:
    """Every Pulumi secret the platform uses (None where the stack does not set it)."""

    monitoring: MonitoringSecrets
    influxdb: InfluxSecrets
    services: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)  # config key -> value (secretEnv)
    argocd_slack_token: pulumi.Output[str] | None = None


PLATFORM_TYPE = "nova:platform:Platform"
PLATFORM_NAME = "nova"  # the one Platform of a stack (__main__.py); every URN under it carries both


class Platform(pulumi.ComponentResource):
    """The Nova platform of one stack: monitoring, the optional pieces the config turns on,
    the stack namespace and a BlueGreenService per service."""

    services: dict[str, BlueGreenService]

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        secrets: PlatformSecrets,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__(PLATFORM_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.monitoring = Monitoring("monitoring", config, secrets.monitoring, child)
        self.slos = ServiceLevelObjectives("slos", config, self.monitoring.crd_gate, child)

        identity: ClusterIdentity | None = None
        needs_irsa = config.logging is not None or config.tracing is not None
        needs_irsa = needs_irsa or any(spec.aws_statements for spec in config.services)
        if config.aws is not None and needs_irsa:
            identity = cluster_identity(config, pulumi.InvokeOutputOptions(parent=self))
        if config.gitops is not None:
            GitOps("gitops", config, secrets.argocd_slack_token, child)
        if config.logging is not None:
            Logs("logs", config, identity, child)
        if config.tracing is not None:
            Traces("traces", config, identity, child)
        if config.performance is not None:
            PerformanceHistory("performance", config, secrets.influxdb, child)

        repositories = image_repositories(config, child)

        namespace = register(config.namespace, core.namespace(config.namespace, "restricted"), child)
        program = (Path(__file__).resolve().parents[1] / "analysis" / conventions.ANALYSIS_PROGRAM).read_text()
        analysis_program = register(
            conventions.ANALYSIS_CONFIG_MAP,
            analysis.program_config_map(config, program),
            pulumi.ResourceOptions(parent=self, depends_on=[namespace]),
        )
        if config.network is not None:
            isolated = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
            register(network.DENY_POLICY, network.default_deny(config, config.network), isolated)
            if config.network.egress == "restricted":
                register(network.EGRESS_POLICY, network.restricted_egress(config, config.network), isolated)
            elif config.aws is not None:
                register(network.METADATA_POLICY, network.no_instance_metadata(config.namespace), isolated)
        self.services = {
            spec.name: BlueGreenService(
                spec.name,
                service_args(
                    config,
                    spec,
                    secrets,
                    repositories,
                    identity=identity,
                    after=[namespace, analysis_program],
                    monitor_after=self.monitoring.crd_gate,
                ),
                child,
            )
            for spec in config.services
        }
        self.register_outputs(
            {
                "namespace": config.namespace,
                "activeColors": {spec.name: spec.active for spec in config.services},
            }
        )


def image_repositories(config: PlatformConfig, opts: pulumi.ResourceOptions) -> dict[str, str | pulumi.Output[str]]:
    """Where each service's images live: its ECR repository on AWS, else the stack's registry."""
    if config.aws is not None:
        return dict(ImageRegistry("images", config, opts).repository_urls)
    assert config.image_registry is not None
    return {spec.name: f"{config.image_registry}/{conventions.repository_name(spec.name)}" for spec in config.services}


def service_args(
    config: PlatformConfig,
    spec: ServiceSpec,
    secrets: PlatformSecrets,
    repositories: Mapping[str, str | pulumi.Output[str]],
    *,
    identity: ClusterIdentity | None,
    after: list[pulumi.Resource] | None = None,
    monitor_after: list[pulumi.Resource] | None = None,
) -> BlueGreenArgs:
    """What one service's BlueGreenService is built from. `novactl release` and its siblings
    render a service alone from this too (novactl/engine/scoped.py), so both see the same objects."""
    return BlueGreenArgs(
        spec=spec,
        config=config,
        image_repository=repositories[spec.name],
        secrets={variable: secrets.services[key] for variable, key in spec.secret_env.items()},
        identity=identity,
        after=list(after or []),
        monitor_after=list(monitor_after or []),
    )
