"""The offline engine: run the real `__main__.py` under the Pulumi SDK's mock monitor.

It records what the program sends to the engine, straight from each RegisterResourceRequest:
type, name, parent, inputs, dependencies and resource options. Runs with preview=False, so
every `.apply` runs as in `pulumi up`; a program that would fail there fails here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import importlib
import runpy
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks, rpc, settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from novactl.engine.cloud import Cloud, UnknownFunctionError
from novactl.errors import ProgramRefusalError, RegistrationError
from novactl.stack.files import SecretKeys, StackConfig

STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass
class Registration:
    """One resource as the program registered it."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    options: dict[str, Any]


@dataclass
class Recording:
    """Everything one program run sent to the engine, in registration order."""

    stack: str
    project: str
    resources: list[Registration] = field(default_factory=list)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # URN -> registered outputs
    # URN -> the input paths the program sent as null, which the provider never reads
    dropped_nulls: dict[str, list[str]] = field(default_factory=dict)

    def by_type(self, type_: str) -> list[Registration]:
        """The registrations of one resource type."""
        return [resource for resource in self.resources if resource.type == type_]

    def null_inputs(self) -> list[str]:
        """One line per input sent as null: `name (type): path`, by URN."""
        return [
            f"{urn.rsplit('::', 1)[-1]} ({urn.split('::')[2].rsplit('$', 1)[-1]}): {path}"
            for urn, paths in sorted(self.dropped_nulls.items())
            for path in paths
        ]


FailHook = Callable[[str, str, dict[str, Any]], str | None]
"""(type, name, inputs) -> an error message to fail that registration, or None."""


class _Mocks(mocks.Mocks):
    def __init__(self, fail: FailHook | None, cloud: Cloud):
        self.fail = fail
        self.cloud = cloud

    def register(self, type_: str, name: str, inputs: dict[str, Any]) -> str:
        """The ID the engine gives a new resource, or RegistrationError when it fails."""
        if self.fail is not None:
            reason = self.fail(type_, name, inputs)
            if reason:
                raise RegistrationError(f"{type_} {name}: {reason}")
        metadata = inputs.get("metadata")
        if type_.startswith("kubernetes:") and isinstance(metadata, dict) and "name" in metadata:
            namespace = metadata.get("namespace")
            return f"{namespace}/{metadata['name']}" if namespace else str(metadata["name"])
        return self.cloud.resource_id(type_, inputs) or f"{name}-id"

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        # Reads (`Resource.get`) come here; registrations go through `register`.
        return self.register(args.typ, args.name, args.inputs), dict(args.inputs)

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        try:
            return self.cloud.call(args.token, dict(args.args)), []
        except UnknownFunctionError:
            raise RegistrationError(f"offline engine: function {args.token} is not available without a cloud") from None


class _RecordingMonitor(mocks.MockMonitor):
    mocks: _Mocks

    def __init__(self, mock: _Mocks, recording: Recording):
        super().__init__(mock)
        self.recording = recording

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # As the engine's resource.NewURN: the parent's whole qualified type chain, except the
        # root stack (the SDK mock keeps only the last link and keeps the stack).
        qualified = type_
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != STACK_TYPE:
                qualified = f"{parent_type}${type_}"
        return f"urn:pulumi:{self.recording.stack}::{self.recording.project}::{qualified}::{name}"

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        # The SDK mock's own RegisterResource, minus a round trip: our mock's outputs are its
        # inputs, so the request's serialised inputs go back as the outputs unchanged.
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()  # deserialising resource references needs a loop on this thread
        inputs = rpc.deserialize_properties(request.object)
        nulls = nested_nulls(request.object)
        if nulls:
            self.recording.dropped_nulls[urn] = nulls
        resource_id = self.mocks.register(request.type, request.name, inputs)
        computed = self.mocks.cloud.outputs(request.type, request.name, inputs)
        self.resources[urn] = mocks.MockMonitor.ResourceRegistration(urn, resource_id, inputs)
        self.recording.resources.append(
            Registration(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=request.custom,
                inputs=inputs,
                dependencies=sorted(request.dependencies),
                property_dependencies={
                    key: sorted(value.urns) for key, value in sorted(request.propertyDependencies.items())
                },
                options=_options(request),
            )
        )
        outputs = request.object
        if computed:
            outputs = _sync_await(rpc.serialize_properties({**inputs, **computed}, {}))
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=outputs)

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        self.recording.outputs[request.urn] = rpc.deserialize_properties(request.outputs)
        return super().RegisterResourceOutputs(request)


def nested_nulls(wire: Any, path: str = "") -> list[str]:
    """The dotted paths of the nulls nested in the Struct `wire`, which no provider ever sees.

    The SDK sends a nested None as a protobuf null, but the Kubernetes provider reads every
    resource's inputs, a Helm Release's values among them, with nulls skipped
    (pulumi-kubernetes provider/pkg/provider/helm_release.go and provider.go: SkipNulls), so a
    null never deletes a chart default (pulumi/pulumi-kubernetes#2034, #3178). The recording
    keeps what the provider reads, as deserialize_properties does; these paths say what was lost.
    """
    found: list[str] = []
    for key, entry in sorted(wire.fields.items()):
        where = f"{path}.{key}" if path else key
        kind = entry.WhichOneof("kind")
        if kind == "null_value":
            found.append(where)
        elif kind == "struct_value":
            found.extend(nested_nulls(entry.struct_value, where))
        elif kind == "list_value":
            for index, item in enumerate(entry.list_value.values):
                if item.WhichOneof("kind") == "struct_value":
                    found.extend(nested_nulls(item.struct_value, f"{where}[{index}]"))
    return found


def _options(request: Any) -> dict[str, Any]:
    property_urns = {urn for deps in request.propertyDependencies.values() for urn in deps.urns}
    return {
        # dependsOn: what the request depends on beyond what its inputs already carry.
        "dependsOn": sorted(set(request.dependencies) - property_urns),
        "deleteBeforeReplace": request.deleteBeforeReplace,
        "ignoreChanges": list(request.ignoreChanges),
        "replaceOnChanges": list(request.replaceOnChanges),
        "protect": request.protect,
        "provider": request.provider or None,
        "additionalSecretOutputs": list(request.additionalSecretOutputs),
        "customTimeouts": {
            name: getattr(request.customTimeouts, name)
            for name in ("create", "update", "delete")
            if getattr(request.customTimeouts, name)
        },
        "retainOnDelete": request.retainOnDelete,
    }


PROGRAM_PACKAGES = ("components",)
"""The program's own packages, imported from the project folder being run."""
PROGRAM_FOLDERS = (*PROGRAM_PACKAGES, "analysis")
"""Every folder the program imports or reads (the analysis Job's program ships as a ConfigMap)."""


def copy_program(source: Path, target: Path) -> Path:
    """A copy of the project at `target`: stack files, `__main__.py` and the program's folders,
    all a render needs (tests and benchmarks edit copies, never the checkout)."""
    target.mkdir(parents=True)
    for path in [*source.glob("Pulumi*.yaml"), source / "__main__.py"]:
        shutil.copy(path, target / path.name)
    for folder in PROGRAM_FOLDERS:
        shutil.copytree(source / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _is_program_module(name: str) -> bool:
    return any(name == package or name.startswith(f"{package}.") for package in PROGRAM_PACKAGES)


@contextlib.contextmanager
def program_modules(project_dir: Path) -> Iterator[None]:
    """Import the program's packages from `project_dir`, and put the caller's back afterwards.

    Another checkout (a diff's base, a test's copy) holds other versions of them; the caller's
    own, already imported, are reused when they come from the same folder.
    """
    loaded = sys.modules.get(PROGRAM_PACKAGES[0])
    loaded_from = Path(getattr(loaded, "__file__", None) or "/").resolve().parent.parent
    foreign = loaded is not None and loaded_from != project_dir.resolve()
    saved = {name: module for name, module in sys.modules.items() if _is_program_module(name)}
    if foreign:
        for name in saved:
            del sys.modules[name]
    sys.path.insert(0, str(project_dir))
    try:
        yield
    finally:
        sys.path.remove(str(project_dir))
        if foreign:
            for name in [name for name in sys.modules if _is_program_module(name)]:
                del sys.modules[name]
            sys.modules.update(saved)


def program_secret_keys(project_dir: Path) -> SecretKeys:
    """The secret keys the program at `project_dir` reads, given a stack's values.

    Another checkout (a diff's base) may know other secrets than this one, and may predate the
    components/config package (SECRET_KEYS then lives in the components.config module) or
    services' own secrets (secretEnv).
    """
    with program_modules(project_dir):
        try:
            module = importlib.import_module("components.config.secrets")
        except ModuleNotFoundError:
            module = importlib.import_module("components.config")
    static = tuple(getattr(module, "SECRET_KEYS", ()))
    dynamic = getattr(module, "service_secret_keys", None)
    return lambda values: (*static, *(dynamic(values) if dynamic is not None else ()))


def _reach_no_cluster() -> None:
    """The program reads the cluster it is about to apply to before it registers anything
    (components/cluster.py). Offline no cluster is reached: the check is told that the stack's
    own is, as the mock monitor tells the program that every resource was created. A checkout
    from before the check has nothing to tell."""
    try:
        module = importlib.import_module("components.cluster")
    except ModuleNotFoundError:
        return

    def declared(platform: Any, kubeconfig: str | None) -> Any:
        return module.Reached("(offline: no cluster is reached)", platform.cluster_uid)

    module.reader = declared  # type: ignore[attr-defined]  # a module found at run time


def _quiet_echoes(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # One failed registration fails every output that waited on it; the run raises the first
    # failure, and the rest would be printed at exit as "exception was never retrieved".
    if "never retrieved" in str(context.get("message", "")):
        return
    loop.default_exception_handler(context)


def run_program(
    project_dir: Path,
    config: StackConfig,
    fail: FailHook | None = None,
    program: Callable[[], None] | None = None,
) -> Recording:
    """Run `project_dir/__main__.py` (or `program`, with the project's modules importable) for
    one stack and return what it registered.

    The program's own refusal (`pulumi.RunError`, as `__main__.py` reports a ConfigError)
    becomes a ProgramRefusalError with the same one line; other exceptions propagate.
    """

    def main_program() -> None:
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")

    # Around the whole run: registrations resolve after the program body has returned, and
    # the SDK then still looks up the program's modules.
    with program_modules(project_dir):
        _reach_no_cluster()
        try:
            return record(program or main_program, config, fail)
        except pulumi.RunError as error:
            raise ProgramRefusalError(str(error)) from None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the length of one run.

    The SDK keeps every registration's futures and outputs alive until the run ends, so each
    full collection walks a heap that grows with the stack: with the collector on, a render
    costs twice as much per resource at 500 services as at 13 (benchmarks/render.py). Peak
    memory barely moves, since nearly everything is still referenced anyway.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def record(program: Callable[[], None], config: StackConfig, fail: FailHook | None = None) -> Recording:
    """Run `program` as the body of a stack and return what it registered.

    Each run has fresh SDK state: it runs in a new contextvars context.
    """
    recording = Recording(stack=config.stack, project=config.project)
    with collector_paused():
        return contextvars.Context().run(_run, program, config, recording, fail)


def _run(program: Callable[[], None], config: StackConfig, recording: Recording, fail: FailHook | None) -> Recording:
    monitor = _RecordingMonitor(_Mocks(fail, Cloud.of(config)), recording)
    settings.configure(
        mocks.MockSettings(
            monitor=monitor,
            monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
            engine=mocks.MockEngine(None),
            project=config.project,
            stack=config.stack,
            # Not a preview: under preview an `.apply` on unknowns silently never runs.
            dry_run=False,
            organization="organization",
            callbacks=None,
        )
    )
    pulumi.runtime.set_all_config(config.engine_config(), sorted(config.secret_keys))
    _ensure_event_loop().set_exception_handler(_quiet_echoes)
    _sync_await(run_in_stack(program))
    return recording
