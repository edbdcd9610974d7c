"""Monitoring: kube-prometheus-stack, the platform alert rules and the Alertmanager routing."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import conventions, helm
from components.builders import alertmanager as routing
from components.builders import alerts, core, monitoring
from components.config.stack import PlatformConfig
from components.manifests import isolate, register


@dataclass(frozen=True)
class MonitoringSecrets:
    """The Pulumi secrets monitoring needs (None when the stack does not set them)."""

    slack_webhook_url: pulumi.Output[str] | None
    pagerduty_routing_key: pulumi.Output[str] | None
    grafana_admin_password: pulumi.Output[str] | None


class Monitoring(pulumi.ComponentResource):
    """The monitoring stack of one cluster and the platform's alerting on top of it."""

    def __init__(
        self, name: str, config: PlatformConfig, secrets: MonitoringSecrets, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("nova:platform:Monitoring", name, None, opts)
        spec = config.monitoring
        child = pulumi.ResourceOptions(parent=self)
        before_release: list[pulumi.Resource] = []
        if spec.install:
            # node-exporter needs the host's network, PID namespace and filesystem: 'privileged'.
            namespace = register(spec.namespace, core.namespace(spec.namespace, "privileged"), child)
            isolate(config, "monitoring", spec.namespace, self, namespace)
            child = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
            before_release.append(namespace)

        if spec.notifications == "required":
            before_release.append(
                register(
                    routing.RECEIVERS_SECRET,
                    core.secret(
                        routing.RECEIVERS_SECRET,
                        spec.namespace,
                        {
                            routing.SLACK_WEBHOOK_KEY: secrets.slack_webhook_url,
                            routing.PAGERDUTY_KEY: secrets.pagerduty_routing_key,
                        },
                    ),
                    child,
                )
            )
        else:
            pulumi.log.warn(
                f"{config.stack}: monitoring.notifications is off: every alert goes to the null receiver "
                "and nobody is notified",
                self,
            )
        before_release.append(
            register(
                routing.CONFIG_SECRET,
                monitoring.alertmanager_config_secret(config, routing.alertmanager_config(config)),
                child,
            )
        )

        # What later CRs (PrometheusRules) and dashboards wait for.
        self.crd_gate: list[pulumi.Resource] = []
        if spec.install:
            before_release.append(
                register(
                    monitoring.GRAFANA_ADMIN_SECRET,
                    core.secret(
                        monitoring.GRAFANA_ADMIN_SECRET,
                        spec.namespace,
                        {"admin-user": "admin", "admin-password": secrets.grafana_admin_password},
                    ),
                    child,
                )
            )
            release = helm.release(
                conventions.MONITORING_RELEASE,  # fixed: the rule selector names it
                "kube-prometheus-stack",
                spec.namespace,
                monitoring.chart_values(config),
                pulumi.ResourceOptions(parent=self, depends_on=before_release),
            )
            self.crd_gate = [release]

        # The PrometheusRule CRD comes with the chart: the rule waits for the release.
        self.alert_rules = register(
            alerts.ALERT_RULES_NAME,
            alerts.prometheus_rule(alerts.ALERT_RULES_NAME, alerts.rule_groups(config), config),
            pulumi.ResourceOptions(parent=self, depends_on=self.crd_gate),
        )
        self.register_outputs(
            {
                "namespace": spec.namespace,
                "release": conventions.MONITORING_RELEASE if spec.install else None,
                "ruleSelector": dict(spec.rule_selector),
                "notifications": spec.notifications,
            }
        )
