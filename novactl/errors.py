"""The two error families the CLI reports as one line each, and their exit codes, in a module
that imports nothing heavy: `novactl status` must not load the Pulumi SDK to know what it
might catch. `novactl.cli.main` maps them, in one place."""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in what the user asked for or wrote (an argument, a stack file): exit 2."""


class OperationError(Exception):
    """What was asked for is well-formed, and it failed (a render, a server): exit 1."""


class ProgramRefusalError(UsageError):
    """The program's own refusal to run with a stack's config (a `pulumi.RunError` under the
    offline engine, which raises this instead, so that no caller needs the SDK to catch it)."""


class RegistrationError(OperationError):
    """A registration the engine rejected (tests use this to fail rollouts and smoke tests)."""


class BaseRenderError(OperationError):
    """The stack does not render at the base ref (the working tree rendered fine)."""
