"""Volumes: the stack's one StorageClass reaches every chart that claims a volume, at the key
that chart reads, and no chart names one when the stack leaves it to the cluster's default."""

from __future__ import annotations

import pytest

from components import conventions
from components.config.stack import volume_classes
from novactl.engine.program import Recording
from novactl.engine.render import render_stack
from novactl.stack.files import platform_config
from tests.conftest import PROJECT_DIR, STACKS
from tests.support import releases, values

# Where each chart reads the class of the volumes it claims (the pinned charts' templates).
MONITORING_CLAIMS = (
    ("prometheus", "prometheusSpec", "storageSpec", "volumeClaimTemplate", "spec"),
    ("alertmanager", "alertmanagerSpec", "storage", "volumeClaimTemplate", "spec"),
)
STORAGE_CLASS_PATHS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "monitoring": [(conventions.MONITORING_RELEASE, path) for path in MONITORING_CLAIMS],
    # The single binary's volume, or the write and backend targets' (chart 18 _workload.tpl).
    "logging": [(conventions.LOKI_RELEASE, (target, "persistence")) for target in ("singleBinary", "write", "backend")],
    "tracing": [(conventions.TEMPO_RELEASE, ("persistence",))],
    "performance": [(conventions.INFLUXDB_RELEASE, ("persistence",))],
}
STORAGE_CLASS_KEYS = {"monitoring": "storageClassName", "tracing": "storageClassName"}


def storage_classes_sent(recording: Recording) -> dict[str, set[str | None]]:
    found: dict[str, set[str | None]] = {}
    for piece, places in STORAGE_CLASS_PATHS.items():
        for release, path in places:
            if release not in releases(recording):
                continue
            block = values(recording, release)
            for step in path:
                block = block.get(step, {})
            if not block:
                continue  # a Loki target that this stack's mode does not run
            found.setdefault(piece, set()).add(block.get(STORAGE_CLASS_KEYS.get(piece, "storageClass")))
    return found


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_stacks_storage_class_reaches_every_chart_that_claims_volumes(stack):
    named = render_stack(PROJECT_DIR, stack, placeholder_secrets=True, overrides=["storageClass=gp3"])
    config = platform_config(named.config)
    assert set(volume_classes(config)) == {"monitoring", "logging", "tracing", "performance"}
    assert storage_classes_sent(named.recording) == {piece: {"gp3"} for piece in volume_classes(config)}


@pytest.mark.parametrize("stack", STACKS)
def test_without_a_storage_class_no_chart_names_one(rendered, stack):
    # The cluster's default class then: no key at all (a null would never reach Helm).
    config = platform_config(rendered[stack].config)
    sent = storage_classes_sent(rendered[stack].recording)
    assert sent == {piece: {None} for piece in volume_classes(config)}
