"""Logs: Loki (S3 and IRSA on AWS, the filesystem on dev) and Alloy shipping pod logs to it."""

from __future__ import annotations

import pulumi

from components import conventions, helm
from components.aws_identity import ClusterIdentity
from components.builders import aws as policies
from components.builders import logging as build
from components.builders.core import namespace
from components.config.stack import PlatformConfig
from components.manifests import isolate, register
from components.object_store import workload_store


class Logs(pulumi.ComponentResource):
    """Loki in `logging.mode` with retention through its compactor, and an Alloy DaemonSet."""

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        identity: ClusterIdentity | None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("nova:platform:Logs", name, None, opts)
        spec = config.logging
        assert spec is not None
        # Alloy reads the node's /var/log/pods through a hostPath: only 'privileged' admits it.
        ns = register(spec.namespace, namespace(spec.namespace, "privileged"), pulumi.ResourceOptions(parent=self))
        isolate(config, "logging", spec.namespace, self, ns)
        # The compactor deletes chunks at retention; S3 removes anything it missed a day later.
        # The ruler's bucket holds rule files and never expires.
        store = workload_store(
            "loki",
            config,
            identity=identity,
            buckets={build.CHUNKS_BUCKET: spec.retention_days + 1, build.RULER_BUCKET: None},
            access=policies.LOKI_ACCESS,
            service_account=(spec.namespace, build.SERVICE_ACCOUNT),
            parent=self,
        )
        loki = helm.release(
            conventions.LOKI_RELEASE,
            "loki",
            spec.namespace,
            build.loki_values(config, spec, store.role_arn if store else None),
            pulumi.ResourceOptions(parent=self, depends_on=[ns, *([store] if store else [])]),
        )
        helm.release(
            conventions.ALLOY_RELEASE,
            "alloy",
            spec.namespace,
            build.alloy_values(config, spec),
            pulumi.ResourceOptions(parent=self, depends_on=[ns, loki]),
        )
        self.register_outputs({"namespace": spec.namespace, "pushUrl": build.loki_push_url(spec)})
