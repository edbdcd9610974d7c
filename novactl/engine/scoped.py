"""Render some services alone: the editing verbs' fast path.

`release`, `switch`, `canary` and `rollback` change only `services.<name>` of the services they
name, and every object those fields reach is registered by that service's BlueGreenService
(tests/cli/test_scoped.py proves it on every stack against two full renders). So they render
just those components, built by the same wiring the Platform uses (components.platform
service_args), instead of the whole platform twice: the same exact change in a fraction of the
time (benchmarks/cli.py). They are registered under a component of the Platform's own type and
name, so every URN is the one the whole program registers, and the plan of an edit is the plan
`diff` and the engine make.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import pulumi

from novactl.engine.render import Rendered, render_stack


def services_program(names: Sequence[str]) -> Callable[[], None]:
    """A program that registers only the BlueGreenServices of `names` (and what they read:
    the image repositories and, for IAM roles, the cluster's identity)."""

    def program() -> None:
        # Imported at run time, from the project being rendered (engine.program_modules); and
        # `status`, which needs none of the resource classes, does not pay for importing them.
        from components.aws_identity import cluster_identity  # noqa: PLC0415
        from components.bluegreen import BlueGreenService  # noqa: PLC0415
        from components.platform import PLATFORM_NAME, PLATFORM_TYPE, image_repositories, service_args  # noqa: PLC0415
        from components.stack_config import load_platform_config, load_secrets  # noqa: PLC0415

        config = load_platform_config()
        secrets = load_secrets(config)
        specs = [config.service(name) for name in names]
        platform = pulumi.ComponentResource(PLATFORM_TYPE, PLATFORM_NAME)
        child = pulumi.ResourceOptions(parent=platform)
        # Only their repositories: a repository's URL depends on its service alone.
        only = dataclasses.replace(config, services=tuple(specs))
        repositories = image_repositories(only, child)
        identity = None
        if config.aws is not None and any(spec.aws_statements for spec in specs):
            identity = cluster_identity(config, pulumi.InvokeOutputOptions(parent=platform))
        for spec in specs:
            BlueGreenService(spec.name, service_args(config, spec, secrets, repositories, identity=identity), child)

    return program


def render_services(project_dir: Path, stack: str, names: Sequence[str], stack_text: str | None = None) -> Rendered:
    """The resources of `names`' BlueGreenServices, as a full render of the stack has them."""
    return render_stack(
        project_dir, stack, stack_text=stack_text, placeholder_secrets=True, program=services_program(names)
    )
