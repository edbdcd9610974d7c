"""Pure builders: dataclasses in, plain data (manifests, values, rule groups) out.

No Pulumi imports and no I/O here, so every rule of the platform is unit-testable.
"""

import hashlib
import json
from typing import Any

from components import conventions

Manifest = dict[str, Any]
"""A Kubernetes object as plain data, exactly as `kubectl apply` would read it."""


def spec_hash(value: Any) -> str:
    """A short, stable digest of plain data: what names a Job after its spec (a Job's template
    is immutable, so a changed spec must be a new Job)."""
    text = json.dumps(value, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[: conventions.SMOKE_HASH_LENGTH]
