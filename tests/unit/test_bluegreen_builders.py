"""The blue/green manifests, object by object, straight from the pure builders."""

from __future__ import annotations

from components import conventions
from components.builders import bluegreen as build
from components.builders import core

NS = "nova-test"
IMAGE = "registry.example.com/nova/feed-service:1.1.0"
SMOKE_IMAGE = "curlimages/curl:8.16.0"


def container(manifest):
    return manifest["spec"]["template"]["spec"]["containers"][0]


def test_deployment_runs_the_image_it_is_given_and_labels_the_colors_tag(make_spec):
    manifest = build.deployment(make_spec(), "green", NS, IMAGE)
    assert container(manifest)["image"] == IMAGE
    assert manifest["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/version"] == "1.1.0"


def test_deployment_name_namespace_and_labels(make_spec):
    manifest = build.deployment(make_spec(), "blue", NS, IMAGE)
    assert manifest["metadata"]["name"] == "feed-service-blue"
    assert manifest["metadata"]["namespace"] == NS
    labels = manifest["spec"]["template"]["metadata"]["labels"]
    assert labels == {
        "app.kubernetes.io/name": "feed-service",
        "app.kubernetes.io/instance": "feed-service-blue",
        "app.kubernetes.io/version": "1.0.0",
        "app.kubernetes.io/component": "server",
        "app.kubernetes.io/part-of": "nova",
        "app.kubernetes.io/managed-by": "pulumi",
        "nova.social/color": "blue",
    }


def test_deployment_selector_is_fixed_per_color_and_never_carries_the_tag(make_spec):
    old = build.deployment(make_spec(), "green", NS, IMAGE)
    new = build.deployment(make_spec(tags={"blue": "1.0.0", "green": "9.9.9"}), "green", NS, IMAGE)
    assert (
        old["spec"]["selector"]
        == new["spec"]["selector"]
        == {"matchLabels": {"app.kubernetes.io/name": "feed-service", "nova.social/color": "green"}}
    )
    # A flip does not touch either Deployment.
    flipped = make_spec(active="green")
    assert build.deployment(flipped, "green", NS, IMAGE) == old


def test_probes_follow_the_roadmap(make_spec):
    main = container(build.deployment(make_spec(), "blue", NS, IMAGE))
    assert main["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert (main["livenessProbe"]["initialDelaySeconds"], main["livenessProbe"]["periodSeconds"]) == (30, 10)
    assert main["readinessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert (main["readinessProbe"]["initialDelaySeconds"], main["readinessProbe"]["periodSeconds"]) == (5, 5)
    assert main["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]


def test_requests_and_memory_limit_without_cpu_limit(make_spec):
    spec = make_spec(resources={"cpu": "300m", "memory": "200Mi", "memoryLimit": "400Mi"})
    resources = container(build.deployment(spec, "blue", NS, IMAGE))["resources"]
    assert resources == {"requests": {"cpu": "300m", "memory": "200Mi"}, "limits": {"memory": "400Mi"}}


def test_prestop_drain_is_covered_by_the_grace_period(make_spec):
    manifest = build.deployment(make_spec(drainSeconds=20, shutdownSeconds=40), "blue", NS, IMAGE)
    assert container(manifest)["lifecycle"] == {"preStop": {"sleep": {"seconds": 20}}}
    assert manifest["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 60


def test_no_drain_means_no_prestop_hook(make_spec):
    assert "lifecycle" not in container(build.deployment(make_spec(drainSeconds=0), "blue", NS, IMAGE))


def test_pods_run_restricted(make_spec):
    pod = build.deployment(make_spec(), "blue", NS, IMAGE)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    security = pod["containers"][0]["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False


def test_pods_spread_across_zones(make_spec):
    pod = build.deployment(make_spec(), "blue", NS, IMAGE)["spec"]["template"]["spec"]
    (constraint,) = pod["topologySpreadConstraints"]
    assert constraint["topologyKey"] == "topology.kubernetes.io/zone"
    assert constraint["labelSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "feed-service",
        "nova.social/color": "blue",
    }


def test_autoscaled_deployment_leaves_replicas_out_and_gets_an_hpa(make_spec):
    spec = make_spec(autoscaling={"min": 2, "max": 8, "targetCPU": 60})
    assert "replicas" not in build.deployment(spec, "blue", NS, IMAGE)["spec"]
    hpa = build.horizontal_pod_autoscaler(spec, "blue", NS)
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "feed-service-blue"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 8)
    assert hpa["spec"]["metrics"][0]["resource"]["target"] == {"type": "Utilization", "averageUtilization": 60}


def test_scale_to_zero_sets_the_inactive_color_to_zero_replicas(make_spec):
    spec = make_spec(idle="scale-to-zero")
    assert build.deployment(spec, "green", NS, IMAGE)["spec"]["replicas"] == 0
    assert build.deployment(spec, "blue", NS, IMAGE)["spec"]["replicas"] == 2


def test_active_service_selects_the_active_color_and_carries_no_color_elsewhere(make_spec):
    blue = build.active_service(make_spec(), NS)
    green = build.active_service(make_spec(active="green"), NS)
    assert blue["metadata"]["name"] == "feed-service"
    assert blue["spec"]["selector"] == {
        "app.kubernetes.io/name": "feed-service",
        "app.kubernetes.io/component": "server",
        "nova.social/color": "blue",
    }
    # Everything but the selector's colour is identical: a flip is a one-field change.
    green["spec"]["selector"]["nova.social/color"] = "blue"
    assert green == blue


def test_color_services_are_pinned_to_their_color(make_spec):
    spec = make_spec()
    for color in conventions.COLORS:
        service = build.color_service(spec, color, NS)
        assert service["metadata"]["name"] == f"feed-service-{color}"
        assert service["spec"]["selector"]["nova.social/color"] == color
        assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_pdb_allows_one_pod_down_per_color(make_spec):
    pdb = build.pod_disruption_budget(make_spec(), "green", NS)
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"] == {
        "maxUnavailable": 1,
        "selector": {
            "matchLabels": {
                "app.kubernetes.io/name": "feed-service",
                "app.kubernetes.io/component": "server",
                "nova.social/color": "green",
            }
        },
    }


def test_budgets_and_services_select_the_serving_pods_not_the_jobs_pods(make_spec):
    # The smoke-test and analysis Jobs' pods carry the colour's name and colour labels too.
    spec = make_spec()
    pods = build.deployment(spec, "green", NS, "registry.example.com/x:1")["spec"]["template"]["metadata"]["labels"]
    smoke = build.smoke_test_job(spec, "green", NS, SMOKE_IMAGE)["spec"]["template"]["metadata"]["labels"]
    for selector in (
        build.pod_disruption_budget(spec, "green", NS)["spec"]["selector"]["matchLabels"],
        build.color_service(spec, "green", NS)["spec"]["selector"],
    ):
        assert selector.items() <= pods.items()
        assert not selector.items() <= smoke.items()


def test_smoke_test_probes_the_color_service_with_a_pinned_image(make_spec):
    job = build.smoke_test_job(make_spec(), "green", NS, SMOKE_IMAGE)
    pod = job["spec"]["template"]["spec"]
    (smoke,) = pod["containers"]
    assert smoke["image"] == SMOKE_IMAGE
    assert not smoke["image"].endswith(":latest")
    assert smoke["args"][-1] == "http://feed-service-green.nova-test.svc.cluster.local:8080/health"
    assert "--fail" in smoke["args"]
    assert pod["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] == 2


def test_a_new_tag_makes_a_new_smoke_job(make_spec):
    before = build.smoke_test_job(make_spec(), "green", NS, SMOKE_IMAGE)
    after = build.smoke_test_job(make_spec(tags={"blue": "1.0.0", "green": "1.2.0"}), "green", NS, SMOKE_IMAGE)
    same = build.smoke_test_job(make_spec(), "green", NS, SMOKE_IMAGE)
    assert before["metadata"]["name"].startswith("feed-service-green-smoke-")
    assert before["metadata"]["name"] != after["metadata"]["name"]
    assert before["metadata"]["name"] == same["metadata"]["name"]
    assert len(after["metadata"]["name"]) <= conventions.DNS_LABEL_MAX


def test_namespace_enforces_restricted_pod_security():
    labels = core.namespace("nova-test", "restricted")["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
