"""Traces: Tempo (S3 and IRSA on AWS, a local volume on dev) and the OpenTelemetry collector."""

from __future__ import annotations

import pulumi

from components import conventions, helm
from components.aws_identity import ClusterIdentity
from components.builders import aws as policies
from components.builders import tracing as build
from components.builders.core import namespace
from components.config.stack import PlatformConfig
from components.manifests import isolate, register
from components.object_store import workload_store


class Traces(pulumi.ComponentResource):
    """Tempo and the collector gateway, which every service sends OTLP to directly."""

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        identity: ClusterIdentity | None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("nova:platform:Traces", name, None, opts)
        spec = config.tracing
        assert spec is not None
        # No host ports, host paths or host namespaces here; 'baseline' (not 'restricted') because
        # the charts' pods do not all set a seccomp profile and drop every capability.
        ns = register(spec.namespace, namespace(spec.namespace, "baseline"), pulumi.ResourceOptions(parent=self))
        isolate(config, "tracing", spec.namespace, self, ns)
        store = workload_store(
            "tempo",
            config,
            identity=identity,
            buckets={build.TRACES_BUCKET: spec.retention_days + 1},
            access=policies.TEMPO_ACCESS,
            service_account=(spec.namespace, build.SERVICE_ACCOUNT),
            parent=self,
        )
        tempo = helm.release(
            conventions.TEMPO_RELEASE,
            "tempo",
            spec.namespace,
            build.tempo_values(config, spec, store.role_arn if store else None),
            pulumi.ResourceOptions(parent=self, depends_on=[ns, *([store] if store else [])]),
        )
        if build.prometheus_remote_write_url(config) is None:
            pulumi.log.warn(
                f"{config.stack}: monitoring.install is false: the collector drops OTLP metrics "
                "(no Prometheus of ours to remote-write to)",
                self,
            )
        helm.release(
            conventions.OTEL_GATEWAY_RELEASE,
            "opentelemetry-collector",
            spec.namespace,
            build.gateway_values(config, spec, logs=config.logging is not None),
            pulumi.ResourceOptions(parent=self, depends_on=[ns, tempo]),
        )
        self.register_outputs({"namespace": spec.namespace, "otlpEndpoint": build.gateway_endpoint(spec)})
