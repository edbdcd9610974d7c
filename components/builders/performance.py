"""InfluxDB 2: chart values and the Secret its admin user comes from.

Value keys are the influxdb2 chart's (influxdata/helm-charts, charts/influxdb2/values.yaml):
adminUser.{organization,bucket,user,retention_policy,existingSecret}, persistence.
"""

from __future__ import annotations

from typing import Any

from components import conventions
from components.builders.core import storage_class_value
from components.config.observability import PerformanceSpec
from components.config.stack import PlatformConfig, volume_classes

INFLUXDB_SERVICE = conventions.INFLUXDB_RELEASE
ADMIN_SECRET = "influxdb-auth"
PASSWORD_KEY = "admin-password"  # the keys the chart reads from adminUser.existingSecret
TOKEN_KEY = "admin-token"


def influxdb_values(config: PlatformConfig, spec: PerformanceSpec) -> dict[str, Any]:
    """A persistent InfluxDB whose admin password and token come from our Secret."""
    return {
        "fullnameOverride": INFLUXDB_SERVICE,  # Service `influxdb`, not `influxdb-influxdb2`
        "adminUser": {
            "organization": spec.organization,
            "bucket": spec.bucket,
            "user": "admin",
            "retention_policy": "0s",  # baselines are kept: comparisons reach back across releases
            "existingSecret": ADMIN_SECRET,
        },
        "persistence": {
            "enabled": True,
            "size": spec.storage_size,
            "accessMode": "ReadWriteOnce",
            # templates/persistent-volume-claim.yaml: storageClassName from persistence.storageClass.
            **storage_class_value("storageClass", volume_classes(config)["performance"]),
        },
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
    }
