"""The cluster a stack's `pulumi up` reaches, checked before the program registers anything.

The Kubernetes provider connects through a kubeconfig context: `kubernetes:context`, else the
kubeconfig's current one, which on a laptop may be production. So when a stack names its cluster
(`clusterUid`, which every AWS stack must), the program first reads, through the same
kubeconfig and context the provider will use, the UID of that cluster's kube-system namespace.
A UID is the one cluster's for its whole life and no other's; a context's name or server address
can be copied or reused. Any other UID, or no answer, stops `pulumi preview` and `pulumi up` with
one line naming the stack file, the cluster expected and the one reached: nothing is registered.

The kubeconfig is found as the provider finds it (pulumi-kubernetes provider.go, `kubeconfig`):
`kubernetes:kubeconfig` (a path or the document itself), else $KUBECONFIG, else ~/.kube/config.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from components.config.fields import ConfigError
from components.config.stack import PlatformConfig

IDENTITY_NAMESPACE = "kube-system"
READ_TIMEOUT_SECONDS = 15
IDENTITY_RULE: dict[str, list[str]] = {
    "apiGroups": [""],
    "resources": ["namespaces"],
    "resourceNames": [IDENTITY_NAMESPACE],
    "verbs": ["get"],
}
"""What reading the identity takes, as a ClusterRole rule (namespaces are cluster-wide): the one
namespace, read only. `novactl status --live` needs it beside its Role (docs/blue-green.md)."""


@dataclass(frozen=True)
class Reached:
    """The cluster a context leads to: its API server and its kube-system namespace's UID."""

    server: str
    uid: str


def read_cluster(context: str | None, kubeconfig: str | None) -> Reached:
    """Read the cluster through `context` of `kubeconfig` (None: as the provider defaults)."""
    from kubernetes import client  # noqa: PLC0415 - only when a stack names its cluster
    from kubernetes import config as kube_config  # noqa: PLC0415

    if kubeconfig is not None and not Path(kubeconfig).expanduser().is_file():
        api = kube_config.new_client_from_config_dict(yaml.safe_load(kubeconfig), context=context)
    else:
        api = kube_config.new_client_from_config(config_file=kubeconfig, context=context)
    with api:
        namespace = client.CoreV1Api(api).read_namespace(IDENTITY_NAMESPACE, _request_timeout=READ_TIMEOUT_SECONDS)
        assert namespace.metadata is not None  # the API server always sends it
        return Reached(str(api.configuration.host), str(namespace.metadata.uid))


Reader = Callable[[PlatformConfig, str | None], Reached]


def _read(config: PlatformConfig, kubeconfig: str | None) -> Reached:
    return read_cluster(config.kube_context, kubeconfig)


reader: Reader = _read
"""How the cluster is read. The offline engine (novactl/engine/program.py) puts in its own, which
reaches no cluster, as the SDK's mocks stand in for the engine."""


def verify_cluster(config: PlatformConfig, kubeconfig: str | None) -> None:
    """Refuse to go on unless the cluster reached is the stack's own (when it names one)."""
    if config.cluster_uid is None:
        return
    where = f"context {config.kube_context}" if config.kube_context else "the kubeconfig's current context"
    try:
        reached = reader(config, kubeconfig)
    except Exception as error:  # the client's own: no kubeconfig, no such context, HTTP, TLS, timeout
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ConfigError(
            "clusterUid",
            f"stack {config.stack} cannot tell which cluster {where} reaches ({first}); nothing was registered",
            f"Pulumi.{config.stack}.yaml",
        ) from None
    refusal = wrong_cluster(config, where, reached, "nothing was registered")
    if refusal is not None:
        raise refusal


def wrong_cluster(config: PlatformConfig, where: str, reached: Reached, consequence: str) -> ConfigError | None:
    """The refusal when `reached` is not the stack's own cluster (None when it is, or when the
    stack names none), in the one shape the program and `novactl status --live` give it."""
    if config.cluster_uid is None or reached.uid == config.cluster_uid:
        return None
    return ConfigError(
        "clusterUid",
        f"stack {config.stack} belongs to cluster {config.cluster_uid}, but {where} reaches cluster "
        f"{reached.uid} at {reached.server}; {consequence}",
        f"Pulumi.{config.stack}.yaml",
    )
