"""Pure builders: dataclasses in, plain data (manifests, values, rule groups) out.

No Pulumi imports and no I/O here, so every rule of the platform is unit-testable.
"""

from typing import Any

Manifest = dict[str, Any]
"""A Kubernetes object as plain data, exactly as `kubectl apply` would read it."""
