"""Every built-in object each stack renders, through a real kube-apiserver (`make e2e`).

kubernetes-validate checks the objects against the OpenAPI schemas offline; the API server
also runs its own validation and defaulting (selectors that must match their template,
immutable and cross-field rules, name formats, ports) and server-side apply's field check.
Each object goes in by server-side apply as a dry run (admitted and validated, not stored),
after its stack's Namespaces are created. Custom resources need their CRDs, which the charts
install; tests/tools/test_crd_schemas.py checks those.
"""

from __future__ import annotations

from typing import Any

import kubernetes
import pytest

from novactl.engine.render import Rendered
from novactl.validate.crd_schemas import is_custom_resource
from tests.conftest import STACKS
from tests.e2e.conftest import apply

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("stack", STACKS)
def test_the_api_server_accepts_every_built_in_object_of_the_stack(
    stack: str, rendered: dict[str, Rendered], admin: Any
):
    objects = [item for item in rendered[stack].manifests() if not is_custom_resource(item)]
    namespaces = [item for item in objects if item["kind"] == "Namespace"]
    for namespace in namespaces:
        apply(admin, namespace)
    refused = []
    for item in objects:
        if item["kind"] == "Namespace":
            continue
        try:
            apply(admin, item, dry_run=True)
        except kubernetes.client.exceptions.ApiException as error:
            refused.append(
                f"{item['kind']} {item['metadata'].get('namespace')}/{item['metadata']['name']}: {error.body}"
            )
    assert not refused, "\n".join(refused)
    assert len(objects) > len(namespaces) + 50
