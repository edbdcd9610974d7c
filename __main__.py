"""The nova-platform Pulumi program: typed config in, the platform out."""

import pulumi

from components.cluster import verify_cluster
from components.config.fields import ConfigError
from components.platform import PLATFORM_NAME, Platform
from components.stack_config import load_platform_config, load_secrets

try:
    config = load_platform_config()
    # Before anything registers: the kubeconfig context must lead to the stack's own cluster.
    verify_cluster(config, pulumi.Config("kubernetes").get("kubeconfig"))
except ConfigError as error:
    # RunError ends the program with this one line and no traceback, before any resource.
    raise pulumi.RunError(str(error)) from None

platform = Platform(PLATFORM_NAME, config, load_secrets(config))

pulumi.export("namespace", config.namespace)
pulumi.export("activeColors", {spec.name: spec.active for spec in config.services})
pulumi.export("activeTags", {spec.name: spec.tags[spec.active] for spec in config.services})
