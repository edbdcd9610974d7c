"""Every rendered manifest of every stack passes the upstream schemas, strictly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from components.conventions import KUBERNETES_VERSION
from tests.conftest import STACKS

VALIDATOR = Path(sys.executable).with_name("kubernetes-validate")


def validate(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VALIDATOR), "--strict", "--kubernetes-version", KUBERNETES_VERSION, "--quiet", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("stack", STACKS)
def test_rendered_manifests_are_valid_kubernetes(written, stack):
    result = written[stack]
    assert result.manifests
    outcome = validate(result.manifests)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr


def test_the_validator_rejects_an_unknown_field(tmp_path):
    # Proves the check can fail: strict mode refuses a misspelt field.
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {selectr: {a: b}, ports: [{port: 80}]}\n")
    outcome = validate([bad])
    assert outcome.returncode != 0
    assert "selectr" in outcome.stdout + outcome.stderr
