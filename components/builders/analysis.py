"""The analysis Job that watches a colour once traffic reaches it (after a switch, or during a
canary), and the ConfigMap that ships its program (analysis/nova_analysis.py).

The Job's name carries a hash of its spec: a switch (or a canary) makes a new Job, which the
Kubernetes provider awaits like the smoke test, so `pulumi up` fails when the new colour errs
or slows. It does not switch back by itself: the promote workflow does (docs/delivery.md).
"""

from __future__ import annotations

from typing import Any

from components import conventions
from components.builders import Manifest, spec_hash
from components.builders.bluegreen import color_labels, restricted_container_security
from components.config.fields import duration_seconds
from components.config.services import ServiceSpec
from components.config.stack import PlatformConfig
from components.conventions import Color

MOUNT = "/analysis"
# The fast-burn page of the SRE Workbook: 2% of a 30-day error budget in one hour.
FAST_BURN = 14.4


def watched_color(spec: ServiceSpec) -> Color:
    """The colour that has just taken traffic: the canary during a canary, else the active one."""
    return conventions.other_color(spec.active) if spec.canary_pods is not None else spec.active


def max_error_ratio(spec: ServiceSpec, config: PlatformConfig) -> float:
    """HighErrorRate's threshold, or a fast burn of the service's tightest availability SLO."""
    limits = [config.monitoring.thresholds.error_rate]
    limits += [FAST_BURN * slo.error_budget for slo in spec.slos if slo.kind == "availability"]
    return min(limits)


def program_config_map(config: PlatformConfig, program: str) -> Manifest:
    """The analysis program, mounted read-only into every analysis Job of the namespace."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": conventions.ANALYSIS_CONFIG_MAP,
            "namespace": config.namespace,
            "labels": conventions.owned_labels(),
        },
        "data": {conventions.ANALYSIS_PROGRAM: program},
    }


SKIP_AWAIT = "pulumi.com/skipAwait"
"""The annotation with which the Kubernetes provider creates a resource without awaiting it
(pulumi/pulumi-kubernetes#417)."""


def analysis_job(spec: ServiceSpec, config: PlatformConfig) -> Manifest:
    """The Job that fails when the colour that took traffic errs or slows within the window."""
    color = watched_color(spec)
    window = duration_seconds(spec.analysis.window)
    args = [
        f"{MOUNT}/{conventions.ANALYSIS_PROGRAM}",
        "--prometheus",
        config.monitoring.prometheus_url,
        "--namespace",
        config.namespace,
        "--service",
        spec.name,
        "--color",
        color,
        "--window",
        f"{window:g}",
        "--interval",
        f"{duration_seconds(spec.analysis.interval):g}",
        "--max-error-ratio",
        f"{max_error_ratio(spec, config):.6g}",
        "--max-p95-seconds",
        f"{config.monitoring.thresholds.latency_p95_seconds:g}",
    ]
    # A rollback's analysis only reports: the traffic is already back, and an incident that hurts
    # both colours (a shared database) must not read as a failed rollback.
    if not spec.analysis.enabled or spec.rolled_back:
        args.append(conventions.ANALYSIS_REPORT_ONLY)
    labels = {**color_labels(spec, color), conventions.LABEL_COMPONENT: "analysis"}
    job_spec: dict[str, Any] = {
        "backoffLimit": 0,  # a breach is a verdict, not a flake to retry
        "activeDeadlineSeconds": int(window) + 120,
        "template": {
            "metadata": {
                "labels": labels,
                # What was switched to: a new switch, tag or canary makes a new Job.
                "annotations": {
                    "nova.social/analysed-tag": spec.tags[color],
                    "nova.social/canary-pods": str(spec.canary_pods or 0),
                },
            },
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": False,
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": conventions.ANALYSIS_USER,
                    "runAsGroup": conventions.ANALYSIS_USER,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [
                    {
                        "name": "analysis",
                        "image": conventions.ANALYSIS_IMAGE,
                        "command": ["python"],
                        "args": args,
                        "env": [{"name": "PYTHONDONTWRITEBYTECODE", "value": "1"}],
                        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}},
                        "securityContext": restricted_container_security(),
                        "volumeMounts": [{"name": "program", "mountPath": MOUNT, "readOnly": True}],
                    }
                ],
                "volumes": [{"name": "program", "configMap": {"name": conventions.ANALYSIS_CONFIG_MAP}}],
            },
        },
    }
    digest = spec_hash(job_spec)
    name = f"{spec.name}-analysis-{digest}"
    metadata: dict[str, Any] = {"name": name, "namespace": config.namespace, "labels": labels}
    if spec.rolled_back:
        # The provider does not wait for it (pulumi-kubernetes' skipAwait annotation): the
        # rollback's `pulumi up` ends once the traffic is back; the Job reports on its own.
        metadata["annotations"] = {SKIP_AWAIT: "true"}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": job_spec}
