"""The errors the CLI reports as one line, in a module that imports nothing heavy: `novactl
status` must not load the Pulumi SDK just to know what it might catch."""

from __future__ import annotations


class RegistrationError(Exception):
    """A registration the engine rejected (tests use this to fail rollouts and smoke tests)."""


class BaseRenderError(Exception):
    """The stack does not render at the base ref (the working tree rendered fine)."""
