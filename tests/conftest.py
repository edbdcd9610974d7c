"""Shared fixtures: the project's own stacks rendered once per session, and config factories."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components.config.fields import ConfigError
from components.config.services import ServiceSpec
from components.config.stack import SECRET_MARK, PlatformConfig, parse_platform_config
from novactl.engine.program import copy_program
from novactl.engine.render import Rendered, render_stack
from novactl.stack.edit import StackFileEditor

PROJECT_DIR = Path(__file__).resolve().parents[1]
STACKS = ("dev", "staging", "production")
NOVA_SERVICES = (
    "analytics-service",
    "content-service",
    "feed-service",
    "graph-service",
    "graphql-gateway",
    "identity-service",
    "media-service",
    "notification-service",
    "ranking-service",
    "realtime-chat-service",
    "search-service",
    "social-service",
    "trust-safety-service",
)


AWS_STACK: dict[str, Any] = {
    "cloud": "aws",
    "aws:region": "us-west-2",
    "kubernetes:context": "nova-staging",
    "clusterUid": "0b6c3f43-5d8e-4a1c-9f4e-2a7d1c9e8b10",
}
"""What turns the minimal config into an AWS stack's: the region, and the cluster it names."""


def minimal_raw_config() -> dict[str, Any]:
    """A small valid `nova-platform:*` config (keys without the namespace)."""
    return {
        "namespace": "nova-test",
        "cloud": "local",
        "imageRegistry": "registry.example.com",
        # Secrets are only ever present or absent in parsed config; values stay Pulumi secrets.
        "slackWebhookUrl": SECRET_MARK,
        "pagerdutyRoutingKey": SECRET_MARK,
        "grafanaAdminPassword": SECRET_MARK,
        "services": {
            "feed-service": {"active": "blue", "tags": {"blue": "1.0.0", "green": "1.1.0"}},
            "search-service": {"active": "green", "tags": {"green": "2.0.0"}},
        },
    }


def assert_config_error(raw: dict[str, Any], key: str, message: str, stack: str = "staging") -> None:
    """Parsing `raw` stops with one ConfigError naming the stack file and `key`."""
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw, stack)
    assert caught.value.key == key
    assert message in caught.value.message
    assert str(caught.value).startswith(f"Pulumi.{stack}.yaml: nova-platform:{key}: ")


@pytest.fixture
def raw_config() -> dict[str, Any]:
    """A fresh copy of the minimal config, to change one field per test."""
    return copy.deepcopy(minimal_raw_config())


@pytest.fixture
def make_spec() -> Callable[..., ServiceSpec]:
    """Build one ServiceSpec through the real parser, with per-service overrides."""

    def make(**overrides: Any) -> ServiceSpec:
        raw = minimal_raw_config()
        raw["services"]["feed-service"].update(overrides)
        # The secrets a secretEnv names are set, as `pulumi config set --secret` would.
        raw.update(dict.fromkeys(overrides.get("secretEnv", {}).values(), SECRET_MARK))
        return parse_platform_config(raw, "test").service("feed-service")

    return make


@pytest.fixture(autouse=True, scope="session")
def _own_pass_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The suite remembers validator passes in a folder of its own (novactl/validate/passcache.py), shared
    by its tests and their subprocesses, never the user's, so every run starts cold."""
    import os

    os.environ["NOVACTL_CACHE_DIR"] = str(tmp_path_factory.mktemp("novactl-cache"))


@pytest.fixture(scope="session")
def rendered() -> dict[str, Rendered]:
    """Every stack of the project, rendered once for the session."""
    return {stack: render_stack(PROJECT_DIR, stack, placeholder_secrets=True) for stack in STACKS}


@pytest.fixture(scope="session")
def staging_config(rendered: dict[str, Rendered]) -> PlatformConfig:
    """The validated staging config."""
    from novactl.stack.files import platform_config

    return platform_config(rendered["staging"].config)


EXISTING_OPERATOR = (
    "monitoring.install=false",
    "monitoring.ruleSelector.prometheus=platform",
    "monitoring.monitorSelector.prometheus=platform",
    "monitoring.prometheusUrl=http://prometheus-operated.monitoring.svc.cluster.local:9090",
)
"""Overrides for a staging whose cluster already runs a Prometheus operator selecting `prometheus: platform`."""


def render_with_existing_operator(*overrides: str) -> Rendered:
    """Staging rendered for a cluster that brings its own Prometheus operator (whose volumes
    are not ours to size: the stack's monitoring.storage goes)."""
    editor = StackFileEditor(PROJECT_DIR / "Pulumi.staging.yaml")
    editor.delete_path("nova-platform:monitoring", ["storage"])
    return render_stack(
        PROJECT_DIR,
        "staging",
        stack_text=editor.text(),
        placeholder_secrets=True,
        overrides=[*EXISTING_OPERATOR, *overrides],
    )


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A throwaway copy of the project (program, components, stack files) to edit freely."""
    return copy_program(PROJECT_DIR, tmp_path / "project")
