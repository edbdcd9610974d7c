"""Read the `nova-platform:*` stack config from the Pulumi runtime, once.

The only module that touches the Pulumi config; everything else gets a PlatformConfig.
"""

from __future__ import annotations

import pulumi
from pulumi.runtime import config as runtime_config

from components.config.stack import PlatformConfig, decode_engine_config, parse_platform_config
from components.conventions import PROJECT
from components.monitoring import MonitoringSecrets
from components.performance import InfluxSecrets
from components.platform import PlatformSecrets


def load_platform_config() -> PlatformConfig:
    """Parse and validate the current stack's config (raises ConfigError)."""
    # The engine hands config over as PULUMI_CONFIG; tests and novactl set it with
    # set_all_config. Either way it is one flat map of `namespace:key` -> string.
    flat = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    # The language host names the secret keys in PULUMI_CONFIG_SECRET_KEYS (pulumi-language-python,
    # Run); set_all_config records them for mocks and novactl.
    secret_keys = {key for key in flat if runtime_config.is_config_secret(key)}
    secret_keys |= set(runtime_config.get_config_secret_keys_env())
    stack = pulumi.get_stack()
    return parse_platform_config(decode_engine_config(flat, stack, secret_keys), stack)


def load_secrets(platform: PlatformConfig) -> PlatformSecrets:
    """The platform's credentials, and the services' own secrets (secretEnv), as Pulumi
    secrets: never plain text, in state or in logs."""
    config = pulumi.Config(PROJECT)
    service_keys = {key for spec in platform.services for key in spec.secret_env.values()}
    return PlatformSecrets(
        monitoring=MonitoringSecrets(
            slack_webhook_url=config.get_secret("slackWebhookUrl"),
            pagerduty_routing_key=config.get_secret("pagerdutyRoutingKey"),
            grafana_admin_password=config.get_secret("grafanaAdminPassword"),
        ),
        influxdb=InfluxSecrets(
            admin_password=config.get_secret("influxdbAdminPassword"),
            admin_token=config.get_secret("influxdbAdminToken"),
        ),
        services={key: config.require_secret(key) for key in sorted(service_keys)},
        argocd_slack_token=config.get_secret("argocdSlackToken"),
    )
