"""ServiceLevelObjectives: per-service SLO rules and the Grafana SLO dashboard."""

from __future__ import annotations

import pulumi

from components.builders import alerts, dashboard, slo
from components.config.stack import PlatformConfig
from components.manifests import register


class ServiceLevelObjectives(pulumi.ComponentResource):
    """A PrometheusRule `nova-slo-<service>` per service with SLOs, and the SLO dashboard."""

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        after: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("nova:platform:ServiceLevelObjectives", name, None, opts)
        # `after`: what installs the PrometheusRule CRD and Grafana's sidecar.
        child = pulumi.ResourceOptions(parent=self, depends_on=after)
        rules = {}
        for service in config.services:
            if service.slos:
                rule_name = f"nova-slo-{service.name}"
                rules[service.name] = register(
                    rule_name, alerts.prometheus_rule(rule_name, slo.rule_groups(config, service), config), child
                )
        register("nova-slo-dashboard", dashboard.dashboard_config_map(config), child)
        self.register_outputs(
            {
                "slos": {
                    service.name: [f"{spec.name} {spec.objective:g}%" for spec in service.slos]
                    for service in config.services
                    if service.slos
                },
                "dashboardUid": dashboard.DASHBOARD_UID,
            }
        )
