"""One way to install a pinned chart: every Helm release takes its chart from conventions.CHARTS."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components import conventions


def release(
    name: str, chart_key: str, namespace: str, values: dict[str, Any], opts: pulumi.ResourceOptions
) -> k8s.helm.v3.Release:
    """A Helm release of the pinned chart `chart_key`, named `name` (fixed, never autonamed).

    atomic: a failed install or upgrade rolls back, so `pulumi up` fails and nothing that
    depends on the release (CRs, Applications) is created against a broken install.
    """
    chart = conventions.CHARTS[chart_key]
    return k8s.helm.v3.Release(
        name,
        k8s.helm.v3.ReleaseArgs(
            name=name,
            chart=chart.chart,
            version=chart.version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=chart.repo),
            namespace=namespace,
            values=values,
            atomic=True,
            cleanup_on_fail=True,
        ),
        opts,
    )
