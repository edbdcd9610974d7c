"""Turn a Recording into files: stack.json and one plain manifest per Kubernetes object.

Two cleanups happen once, here, for every consumer: integral floats (the wire format has only
doubles) become ints again, and secrets become "[secret]", wherever they are.
"""

from __future__ import annotations

import functools
import json
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pulumi.runtime import rpc

from components.builders.alertmanager import CONFIG_SECRET
from components.builders.monitoring import GRAFANA_DASHBOARD_LABEL
from components.config.stack import PlatformConfig
from novactl.engine.program import (
    FailHook,
    Recording,
    Registration,
    program_modules,
    program_secret_keys,
    run_program,
)
from novactl.stack.files import StackConfig, load_stack_config, platform_config

SECRET_MASK = "[secret]"
# libyaml's emitter when PyYAML has it: the same documents (it folds long strings elsewhere),
# five times faster than the pure-Python one over a stack's manifests.
SAFE_DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
KUBERNETES_PREFIX = "kubernetes:"
# Types whose inputs are Kubernetes objects; Helm releases and providers are not.
_NOT_OBJECTS = ("kubernetes:helm.sh/", "pulumi:providers:")


def clean(value: Any, secret_values: Iterable[str] = ()) -> Any:
    """`value` with secrets masked, integral floats turned back into ints, keys sorted."""
    secrets = tuple(secret for secret in secret_values if secret)

    def walk(item: Any) -> Any:
        if rpc.is_rpc_secret(item):
            return SECRET_MASK
        if isinstance(item, dict):
            # Sorted: the wire format (protobuf Struct) keeps no order, and files must be stable.
            return {key: walk(item[key]) for key in sorted(item)}
        if isinstance(item, list):
            return [walk(child) for child in item]
        if isinstance(item, float) and item.is_integer():
            return int(item)
        if isinstance(item, str) and secrets:
            for secret in secrets:
                item = item.replace(secret, SECRET_MASK)
        return item

    return walk(value)


CleanedResource = tuple[Registration, dict[str, Any]]
"""A registration with its inputs cleaned (masked, ints, sorted) once for every output."""


def stack_document(
    recording: Recording, cleaned: list[CleanedResource], secret_values: Iterable[str] = ()
) -> dict[str, Any]:
    """The whole stack.json document."""
    stack_outputs = [
        clean(outputs, secret_values) for urn, outputs in recording.outputs.items() if "::pulumi:pulumi:Stack::" in urn
    ]
    return {
        "stack": recording.stack,
        "project": recording.project,
        "outputs": next(iter(stack_outputs), {}),
        "resources": [
            {
                "urn": resource.urn,
                "type": resource.type,
                "name": resource.name,
                "parent": resource.parent,
                "inputs": inputs,
                "dependencies": resource.dependencies,
                "options": resource.options,
            }
            for resource, inputs in cleaned
        ],
    }


def is_kubernetes_object(resource: Registration) -> bool:
    """Whether the resource's inputs are one Kubernetes object (not a chart or provider)."""
    return (
        resource.custom
        and resource.type.startswith(KUBERNETES_PREFIX)
        and not resource.type.startswith(_NOT_OBJECTS)
        and "kind" in resource.inputs
    )


def manifest(resource: Registration, secret_values: Iterable[str] = ()) -> dict[str, Any]:
    """The Kubernetes object as `kubectl apply` would read it, fields in the usual order."""
    return _manifest(resource, clean(resource.inputs, secret_values))


def _manifest(resource: Registration, inputs: dict[str, Any]) -> dict[str, Any]:
    ordered: dict[str, Any] = {key: inputs[key] for key in ("apiVersion", "kind", "metadata") if key in inputs}
    ordered.update({key: value for key, value in inputs.items() if key not in ordered})
    if resource.type == "kubernetes:core/v1:Secret":
        # Secret payloads show their keys only, even when the program forgot to mark them secret.
        for field in ("data", "stringData"):
            payload = rpc.unwrap_rpc_secret(resource.inputs.get(field))
            if isinstance(payload, dict):
                ordered[field] = dict.fromkeys(sorted(payload), SECRET_MASK)
    return ordered


def manifest_text(document: dict[str, Any]) -> str:
    """A manifest's YAML, as `render` writes it and kubernetes-validate reads it."""
    return yaml.dump(document, Dumper=SAFE_DUMPER, sort_keys=False, default_flow_style=False)


def manifest_path(document: dict[str, Any]) -> Path:
    """`<namespace or _cluster>/<kind>.<name>.yaml`: stable, readable, one file per object."""
    metadata = document.get("metadata", {})
    folder = metadata.get("namespace") or "_cluster"
    return Path(folder) / f"{document['kind'].lower()}.{metadata.get('name', 'unnamed')}.yaml"


@dataclass
class RenderResult:
    """What a render wrote, for the summary line and for tests."""

    out_dir: Path
    stack_json: Path
    manifests: list[Path]
    rule_files: list[Path]
    alertmanager_config: Path | None
    dashboards: list[Path]


PROMETHEUS_RULE_TYPE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"


def rule_files(cleaned: list[CleanedResource]) -> dict[str, dict[str, Any]]:
    """`<name>.rules.yaml` -> the `groups:` document of each PrometheusRule, as promtool reads it."""
    return {
        f"{inputs['metadata']['name']}.rules.yaml": inputs["spec"]
        for resource, inputs in cleaned
        if resource.type == PROMETHEUS_RULE_TYPE
    }


def dashboards(cleaned: list[CleanedResource]) -> dict[str, str]:
    """File name -> JSON of every Grafana dashboard ConfigMap (labelled for the sidecar)."""
    found: dict[str, str] = {}
    for resource, inputs in cleaned:
        labels = inputs.get("metadata", {}).get("labels", {})
        if resource.type == "kubernetes:core/v1:ConfigMap" and labels.get(GRAFANA_DASHBOARD_LABEL) == "1":
            found.update(inputs.get("data", {}))
    return found


def alertmanager_yaml(recording: Recording, secret_values: Iterable[str] = ()) -> str | None:
    """The Alertmanager configuration the program ships in its config Secret, secrets scrubbed."""
    for resource in recording.by_type("kubernetes:core/v1:Secret"):
        if resource.inputs["metadata"]["name"] == CONFIG_SECRET:
            # The provider marks all of a Secret's stringData secret; this config holds only file
            # paths to the credentials, and any secret value that did leak in is scrubbed.
            string_data = rpc.unwrap_rpc_secret(resource.inputs["stringData"])
            text: str = clean(rpc.unwrap_rpc_secret(string_data["alertmanager.yaml"]), secret_values)
            return text
    return None


def _replace_folder(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write `files` (name -> text) into `folder`, dropping what an earlier render left there."""
    shutil.rmtree(folder, ignore_errors=True)
    return write_files(folder, files)


def summary(recording: Recording) -> list[str]:
    """Resources per component and type, one line each, for the render report."""
    component_types = {resource.urn: resource.type for resource in recording.resources if not resource.custom}
    owned: Counter[tuple[str, str]] = Counter(
        (component_types.get(resource.parent, "stack"), resource.type)
        for resource in recording.resources
        if resource.custom
    )
    lines = [f"{count:5d}  {type_}" for type_, count in sorted(Counter(component_types.values()).items())]
    lines += [f"{count:5d}  {type_}  (in {owner})" for (owner, type_), count in sorted(owned.items())]
    return lines


@dataclass
class Rendered:
    """One stack rendered in memory: the recording, its config, and everything written from it."""

    config: StackConfig
    recording: Recording
    parsed: PlatformConfig | None = None  # the config already validated, when the caller has it

    @functools.cached_property
    def platform(self) -> PlatformConfig:
        """The validated config the program ran with, parsed once for every reader."""
        return self.parsed or platform_config(self.config)

    @property
    def secret_values(self) -> list[str]:
        """Values to scrub from every output."""
        return sorted(self.config.secret_values)

    @functools.cached_property
    def cleaned(self) -> list[CleanedResource]:
        """Every registration with its inputs cleaned, once, by URN; outputs share these (read-only).

        By URN: registrations arrive from a thread pool in an order that varies from run to run,
        and no output (stack.json, the first rule file, a diff) may change when the program did not.
        """
        secrets = self.secret_values
        ordered = sorted(self.recording.resources, key=lambda resource: resource.urn)
        return [(resource, clean(resource.inputs, secrets)) for resource in ordered]

    def manifests(self) -> list[dict[str, Any]]:
        """Every Kubernetes object, cleaned and masked, by URN."""
        return [_manifest(resource, inputs) for resource, inputs in self.cleaned if is_kubernetes_object(resource)]

    def manifest_files(self) -> dict[Path, dict[str, Any]]:
        """`<namespace>/<kind>.<name>.yaml` -> each Kubernetes object, where `write` puts it."""
        files: dict[Path, dict[str, Any]] = {}
        for item in self.manifests():
            path = manifest_path(item)
            if path in files:
                raise ValueError(f"two objects render to manifests/{path}")
            files[path] = item
        return files

    def rule_texts(self) -> dict[str, str]:
        """`<name>.rules.yaml` -> the YAML of each PrometheusRule's groups, as promtool reads it."""
        return {
            name: yaml.dump(groups, Dumper=SAFE_DUMPER, sort_keys=False, width=1000)
            for name, groups in rule_files(self.cleaned).items()
        }

    def write(self, out_dir: Path) -> RenderResult:
        """Write stack.json, manifests/, prometheus/, alertmanager/ and grafana/ under `out_dir`,
        replacing what a previous render left."""
        out_dir.mkdir(parents=True, exist_ok=True)
        stack_json = out_dir / "stack.json"
        document = stack_document(self.recording, self.cleaned, self.secret_values)
        stack_json.write_text(json.dumps(document, indent=2) + "\n")
        manifests_dir = out_dir / "manifests"
        shutil.rmtree(manifests_dir, ignore_errors=True)
        written = write_files(
            manifests_dir, {path: manifest_text(item) for path, item in self.manifest_files().items()}
        )
        rules = _replace_folder(out_dir / "prometheus", self.rule_texts())
        alertmanager = alertmanager_yaml(self.recording, self.secret_values)
        alertmanager_files = _replace_folder(
            out_dir / "alertmanager", {"alertmanager.yaml": alertmanager} if alertmanager is not None else {}
        )
        dashboard_paths = _replace_folder(out_dir / "grafana", dashboards(self.cleaned))
        return RenderResult(
            out_dir, stack_json, written, rules, alertmanager_files[0] if alertmanager_files else None, dashboard_paths
        )


def write_files(folder: Path, files: Mapping[Path, str] | Mapping[str, str]) -> list[Path]:
    """Write each text at its path under `folder`, making the folders it needs."""
    paths = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        paths.append(path)
    return paths


def render_stack(
    project_dir: Path,
    stack: str,
    *,
    overrides: list[str] | None = None,
    secrets: list[str] | None = None,
    stack_text: str | None = None,
    fail: FailHook | None = None,
    placeholder_secrets: bool = False,
    program: Callable[[], None] | None = None,
) -> Rendered:
    """Load a stack's config and run the program (or `program`, novactl/engine/scoped.py) offline."""
    # One import of another checkout's modules serves both its secret keys and its run.
    with program_modules(project_dir):
        config = load_stack_config(
            project_dir,
            stack,
            overrides,
            secret_overrides=secrets,
            stack_text=stack_text,
            placeholder_secrets=placeholder_secrets,
            secret_keys=program_secret_keys(project_dir),
        )
        return render_config(project_dir, config, fail=fail, program=program)


def render_config(
    project_dir: Path,
    config: StackConfig,
    *,
    fail: FailHook | None = None,
    program: Callable[[], None] | None = None,
    parsed: PlatformConfig | None = None,
) -> Rendered:
    """Run the program (or `program`) offline with a config already loaded (and `parsed`)."""
    return Rendered(config, run_program(project_dir, config, fail, program), parsed)
