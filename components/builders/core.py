"""Plain objects every piece uses: namespaces (with their Pod Security level) and Secrets."""

from __future__ import annotations

from typing import Any, Literal

from components import conventions
from components.builders import Manifest

PodSecurity = Literal["restricted", "baseline", "privileged"]


def namespace(name: str, enforce: PodSecurity) -> Manifest:
    """A namespace enforcing `enforce`, and warning about anything short of 'restricted'."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "labels": {
                **conventions.owned_labels(),
                "pod-security.kubernetes.io/enforce": enforce,
                "pod-security.kubernetes.io/warn": "restricted",
            },
        },
    }


def secret(name: str, namespace: str, string_data: dict[str, Any]) -> Manifest:
    """An Opaque Secret; components pass Pulumi secrets (Outputs) as the values."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace, "labels": conventions.owned_labels()},
        "type": "Opaque",
        "stringData": string_data,
    }


def storage_class_value(key: str, storage_class: str | None) -> dict[str, str]:
    """A chart's storage-class value under `key`, or nothing for the cluster's default class (a
    null would not reach Helm: the provider drops it)."""
    return {} if storage_class is None else {key: storage_class}
