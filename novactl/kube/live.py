"""`novactl status STACK --live`: what the cluster runs, next to what the stack file declares.

Per service: the colour the routing Service selects and whether its EndpointSlices agree,
ready and desired replicas and the tag running per colour, the canary's share of endpoints,
the last smoke and analysis Jobs and their outcome, and every difference from the stack file
(a switch not applied yet, drift). The reads go through `ClusterReader`, which returns the
API's JSON as plain dicts: the real one uses the official kubernetes client with the stack's
kubeconfig context, and the tests replay recorded responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from components import conventions
from components.config.services import ServiceSpec
from components.config.stack import PlatformConfig

# Everything `--live` reads, as RBAC rules for the namespace of a stack: a Role with these, bound
# to whoever runs it, is all it needs (tests/e2e proves it against a real API server).
READ_RULES: tuple[dict[str, list[str]], ...] = (
    {"apiGroups": [""], "resources": ["services"], "verbs": ["get"]},
    {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["list"]},
    {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list"]},
    {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["list"]},
)


class ClusterReader(Protocol):
    """The four reads `--live` makes, each the API's JSON for one namespace."""

    def service(self, namespace: str, name: str) -> dict[str, Any] | None: ...
    def deployments(self, namespace: str, selector: str) -> list[dict[str, Any]]: ...
    def endpoint_slices(self, namespace: str, service: str) -> list[dict[str, Any]]: ...
    def jobs(self, namespace: str, selector: str) -> list[dict[str, Any]]: ...


@dataclass
class ColorLive:
    ready: int
    desired: int
    tag: str | None


@dataclass
class ServiceLive:
    name: str
    selects: str  # a colour, "both" during a canary, or "missing"
    endpoints: dict[str, int]  # ready endpoints per colour
    colours: dict[str, ColorLive]
    last_smoke: str  # "blue 2.5.0 succeeded", or "-"
    last_analysis: str
    drift: list[str] = field(default_factory=list)

    @property
    def canary_share(self) -> str:
        total = sum(self.endpoints.values())
        if self.selects != "both" or not total:
            return "-"
        return ", ".join(f"{color} {count / total:.0%}" for color, count in sorted(self.endpoints.items()))


def _tag(deployment: dict[str, Any]) -> str | None:
    containers = deployment.get("spec", {}).get("template", {}).get("spec", {}).get("containers") or []
    image = str(containers[0].get("image", "")) if containers else ""
    return image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else None


def _outcome(job: dict[str, Any]) -> str:
    status = job.get("status", {})
    labels = job.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
    annotations = job.get("spec", {}).get("template", {}).get("metadata", {}).get("annotations", {})
    state = "succeeded" if status.get("succeeded") else "failed" if status.get("failed") else "running"
    tag = annotations.get("nova.social/analysed-tag", "")
    return " ".join(part for part in (labels.get(conventions.LABEL_COLOR), tag, state) if part)


def _labels(resource: dict[str, Any]) -> dict[str, Any]:
    return dict(resource.get("metadata", {}).get("labels") or {})


def _last(jobs: list[dict[str, Any]], component: str) -> str:
    mine = [
        job for job in jobs if job.get("metadata", {}).get("labels", {}).get(conventions.LABEL_COMPONENT) == component
    ]
    if not mine:
        return "-"
    return _outcome(max(mine, key=lambda job: job.get("metadata", {}).get("creationTimestamp", "")))


def _color_of_pod(service: str, pod: str) -> str | None:
    for color in conventions.COLORS:
        if pod.startswith(f"{conventions.color_name(service, color)}-"):
            return color
    return None


def service_live(spec: ServiceSpec, namespace: str, reader: ClusterReader) -> ServiceLive:
    """One service as the cluster has it, and where that differs from `spec`."""
    routing = reader.service(namespace, spec.name)
    selector = (routing or {}).get("spec", {}).get("selector") or {}
    selects = "missing" if routing is None else selector.get(conventions.LABEL_COLOR, "both")
    endpoints: dict[str, int] = {}
    for slice_ in reader.endpoint_slices(namespace, spec.name):
        for endpoint in slice_.get("endpoints") or []:
            pod = (endpoint.get("targetRef") or {}).get("name", "")
            color = _color_of_pod(spec.name, pod)
            if color and (endpoint.get("conditions") or {}).get("ready", True):
                endpoints[color] = endpoints.get(color, 0) + 1
    colours = {}
    for deployment in reader.deployments(namespace, f"{conventions.LABEL_NAME}={spec.name}"):
        color = _labels(deployment).get(conventions.LABEL_COLOR)
        if color:
            colours[color] = ColorLive(
                ready=int(deployment.get("status", {}).get("readyReplicas") or 0),
                desired=int(deployment.get("spec", {}).get("replicas") or 0),
                tag=_tag(deployment),
            )
    jobs = reader.jobs(namespace, f"{conventions.LABEL_NAME}={spec.name}")
    live = ServiceLive(spec.name, selects, endpoints, colours, _last(jobs, "smoke-test"), _last(jobs, "analysis"))
    live.drift = drift(spec, live)
    return live


def drift(spec: ServiceSpec, live: ServiceLive) -> list[str]:
    """Where the cluster differs from the stack file: not applied yet, or changed by hand."""
    found = []
    declared = "both" if spec.canary_pods is not None else spec.active
    if live.selects != declared:
        found.append(f"routes to {live.selects}, the stack file says {declared} (a switch not applied yet?)")
    serving = set(live.endpoints)
    if live.selects in conventions.COLORS and serving - {live.selects}:
        found.append(f"endpoints of {', '.join(sorted(serving - {live.selects}))} behind a {live.selects} selector")
    for color, tag in spec.tags.items():
        running = live.colours.get(color)
        if running is None:
            found.append(f"{color} {tag} is declared but not deployed")
        elif running.tag != tag:
            found.append(f"{color} runs {running.tag}, the stack file says {tag}")
    found += [
        f"{extra} is deployed but the stack file has no tag for it" for extra in set(live.colours) - set(spec.tags)
    ]
    return found


def live_status(platform: PlatformConfig, reader: ClusterReader) -> list[ServiceLive]:
    return [service_live(spec, platform.namespace, reader) for spec in platform.services]


def live_rows(services: list[ServiceLive]) -> list[list[str]]:
    rows = [["SERVICE", "ROUTES TO", "BLUE", "GREEN", "CANARY", "LAST SMOKE", "LAST ANALYSIS", "DRIFT"]]
    for live in services:
        cells = []
        for color in conventions.COLORS:
            running = live.colours.get(color)
            cells.append(f"{running.tag} {running.ready}/{running.desired}" if running else "-")
        rows.append(
            [
                live.name,
                live.selects,
                *cells,
                live.canary_share,
                live.last_smoke,
                live.last_analysis,
                "; ".join(live.drift) or "none",
            ]
        )
    return rows


class KubernetesReader:
    """The reads through the official kubernetes client, answered as the API's JSON."""

    def __init__(self, context: str | None):
        # Imported here: the client takes a noticeable part of a second to import, and only
        # --live needs it (every other verb answers without it).
        from kubernetes import client, config  # noqa: PLC0415

        config.load_kube_config(context=context)
        self._client = client
        self._core, self._apps = client.CoreV1Api(), client.AppsV1Api()
        self._discovery, self._batch = client.DiscoveryV1Api(), client.BatchV1Api()

    def _json(self, value: Any) -> Any:
        return self._client.ApiClient().sanitize_for_serialization(value)

    def service(self, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return dict(self._json(self._core.read_namespaced_service(name, namespace)))
        except self._client.exceptions.ApiException as error:
            if error.status == 404:
                return None
            raise

    def deployments(self, namespace: str, selector: str) -> list[dict[str, Any]]:
        return list(
            self._json(self._apps.list_namespaced_deployment(namespace, label_selector=selector)).get("items", [])
        )

    def endpoint_slices(self, namespace: str, service: str) -> list[dict[str, Any]]:
        found = self._discovery.list_namespaced_endpoint_slice(
            namespace, label_selector=f"kubernetes.io/service-name={service}"
        )
        return list(self._json(found).get("items", []))

    def jobs(self, namespace: str, selector: str) -> list[dict[str, Any]]:
        found = self._batch.list_namespaced_job(namespace, label_selector=selector)
        return list(self._json(found).get("items", []))

    def storage_classes(self) -> list[dict[str, Any]]:
        """The cluster's StorageClasses (`check --live`: novactl.validate.preflight.READ_RULES)."""
        return list(self._json(self._client.StorageV1Api().list_storage_class()).get("items", []))
