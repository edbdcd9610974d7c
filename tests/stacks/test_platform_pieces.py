"""GitOps, logs, traces, performance history and the AWS parts, on the rendered stacks."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from components import conventions
from components.builders import gitops
from components.config.quantities import parse_quantity
from components.config.slo import SLO_WINDOW_DAYS
from novactl.engine.program import Recording, Registration
from novactl.engine.render import render_stack
from novactl.errors import ProgramRefusalError
from novactl.stack.files import platform_config
from novactl.validate import check
from policies.rules import Resource, evaluate
from policies.rules.registry import POLICIES
from tests.conftest import NOVA_SERVICES, PROJECT_DIR, STACKS, render_with_existing_operator
from tests.support import releases, values

AWS_STACKS = ("staging", "production")


def one(recording: Recording, type_: str, name: str) -> Registration:
    (resource,) = [r for r in recording.by_type(type_) if r.name == name]
    return resource


@pytest.mark.parametrize("stack", STACKS)
def test_every_release_is_a_pinned_chart_under_a_fixed_name(rendered, stack):
    pinned = {(chart.chart, chart.version, chart.repo) for chart in conventions.CHARTS.values()}
    found = releases(rendered[stack].recording)
    assert found
    for name, release in found.items():
        inputs = release.inputs
        assert (inputs["chart"], inputs["version"], inputs["repositoryOpts"]["repo"]) in pinned, name
        assert inputs["name"] == name, "a release name others depend on must not be autonamed"
        assert inputs["atomic"] is True


def test_release_names_are_the_ones_other_objects_address(rendered):
    assert set(releases(rendered["production"].recording)) == {
        conventions.MONITORING_RELEASE,
        conventions.ARGOCD_RELEASE,
        conventions.LOKI_RELEASE,
        conventions.ALLOY_RELEASE,
        conventions.TEMPO_RELEASE,
        conventions.OTEL_GATEWAY_RELEASE,
        conventions.INFLUXDB_RELEASE,
    }


# The group of each custom resource we create -> the release that installs its CRD.
CRD_RELEASES = {"argoproj.io": conventions.ARGOCD_RELEASE, "monitoring.coreos.com": conventions.MONITORING_RELEASE}


@pytest.mark.parametrize("stack", STACKS)
def test_custom_resources_wait_for_the_chart_that_installs_their_crd(rendered, stack):
    recording = rendered[stack].recording
    urns = {name: release.urn for name, release in releases(recording).items()}
    custom = [r for r in recording.resources if r.type.split(":")[1].split("/")[0] in CRD_RELEASES]
    assert custom
    for resource in custom:
        group = resource.type.split(":")[1].split("/")[0]
        assert urns[CRD_RELEASES[group]] in resource.options["dependsOn"], resource.name


def test_staging_argocd_is_light_and_production_is_highly_available(rendered):
    light = values(rendered["staging"].recording, "argocd")
    ha = values(rendered["production"].recording, "argocd")
    assert light["redis-ha"] == {"enabled": False}
    assert "server" not in light
    assert ha["redis-ha"] == {"enabled": True}
    assert "redis" not in ha, "the chart renders no single redis while redis-ha is on"
    assert {key: ha[key]["replicas"] for key in ("server", "repoServer", "applicationSet")} == {
        "server": 2,
        "repoServer": 2,
        "applicationSet": 2,
    }
    for chart_values in (light, ha):
        cm = chart_values["configs"]["cm"]
        assert cm["application.sync.requireOverridePrivilegeForRevisionSync"] == "true"
        assert cm["application.resourceTrackingMethod"] == "annotation"


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_nova_project_is_locked_down(rendered, stack):
    recording = rendered[stack].recording
    spec = one(recording, "kubernetes:argoproj.io/v1alpha1:AppProject", "nova").inputs["spec"]
    assert spec["sourceRepos"] == ["https://github.com/proerror/nova"]
    assert spec["destinations"] == [{"server": "https://kubernetes.default.svc", "namespace": f"nova-{stack}"}]
    assert spec["clusterResourceWhitelist"] == []
    # An allow-list of what the repository is for: nothing of Pulumi's, no RBAC, no Secret,
    # no NetworkPolicy, nothing that runs pods.
    assert "namespaceResourceBlacklist" not in spec
    allowed = {(item["group"], item["kind"]) for item in spec["namespaceResourceWhitelist"]}
    assert allowed == {("", "ConfigMap"), ("external-secrets.io", "ExternalSecret")}
    (role,) = spec["roles"]
    actions = {policy.split(", ")[3] for policy in role["policies"]}
    objects = {policy.split(", ")[4] for policy in role["policies"]}
    assert actions == {"get", "sync"}, "no override: CI syncs the Application's own revision only"
    assert objects == {f"nova/nova-{stack}"}
    assert all(policy.endswith(", allow") and "*" not in policy for policy in role["policies"])


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_application_syncs_the_stack_overlay_automatically(rendered, stack):
    app = one(rendered[stack].recording, "kubernetes:argoproj.io/v1alpha1:Application", f"nova-{stack}")
    spec = app.inputs["spec"]
    assert spec["project"] == gitops.PROJECT != "default"
    assert spec["source"] == {
        "repoURL": "https://github.com/proerror/nova",
        "targetRevision": "main",
        "path": f"k8s/overlays/{stack}",
    }
    assert spec["syncPolicy"] == {
        "automated": {"prune": True, "selfHeal": True},
        "syncOptions": ["CreateNamespace=true"],
        "retry": {"limit": 5, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "5m"}},
    }


def test_loki_runs_tsdb_v13_with_compactor_retention(rendered):
    expected = {"dev": ("Monolithic", "filesystem", 3), "staging": ("Monolithic", "s3", 14)}
    expected["production"] = ("SimpleScalable", "s3", 31)
    for stack, (mode, store, days) in expected.items():
        loki = values(rendered[stack].recording, "loki")
        assert loki["deploymentMode"] == mode
        (schema,) = loki["loki"]["schemaConfig"]["configs"]
        assert (schema["store"], schema["schema"], schema["object_store"]) == ("tsdb", "v13", store)
        assert loki["loki"]["storage"]["type"] == store
        assert loki["loki"]["compactor"]["retention_enabled"] is True
        assert loki["loki"]["compactor"]["delete_request_store"] == store
        assert loki["loki"]["limits_config"]["retention_period"] == f"{days * 24}h"
        assert loki["serviceAccount"]["name"] == "loki"
        assert loki["test"] == {"enabled": False}, "the Helm test image is tagged latest"


def test_every_stateful_loki_pod_gets_a_volume_through_the_key_the_chart_reads(rendered):
    # The single binary's StatefulSet reads persistence.enabled, write and backend read
    # persistence.volumeClaimsEnabled; a key the chart does not read would leave them on emptyDir.
    staging = values(rendered["staging"].recording, "loki")
    assert staging["singleBinary"]["persistence"] == {"enabled": True, "size": "10Gi"}
    production = values(rendered["production"].recording, "loki")
    for component in ("write", "backend"):
        assert production[component]["persistence"] == {"volumeClaimsEnabled": True, "size": "50Gi"}
    assert "persistence" not in production["read"]


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_loki_and_tempo_use_their_buckets_through_irsa(rendered, stack):
    recording = rendered[stack].recording
    loki = values(recording, "loki")
    assert loki["loki"]["storage"]["bucketNames"] == {
        "chunks": f"nova-platform-{stack}-loki-chunks",
        "ruler": f"nova-platform-{stack}-loki-ruler",
    }
    assert loki["loki"]["storage"]["s3"] == {"region": "us-west-2"}, "no static keys"
    tempo = values(recording, "tempo")
    assert tempo["tempo"]["storage"]["trace"]["backend"] == "s3"
    assert tempo["tempo"]["storage"]["trace"]["s3"]["bucket"] == f"nova-platform-{stack}-tempo"
    for release, chart_values in (("loki", loki), ("tempo", tempo)):
        role = one(recording, "aws:iam/role:Role", f"nova-{stack}-{release}")
        annotation = chart_values["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
        assert annotation == f"arn:aws:iam::123456789012:role/nova-{stack}-{release}"
        assert role.urn in releases(recording)[release].dependencies
        trust = json.loads(role.inputs["assumeRolePolicy"])
        (statement,) = trust["Statement"]
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        conditions = statement["Condition"]["StringEquals"]
        subjects = [value for key, value in conditions.items() if key.endswith(":sub")]
        namespace = "logging" if release == "loki" else "tracing"
        assert subjects == [f"system:serviceaccount:{namespace}:{chart_values['serviceAccount']['name']}"]


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_a_service_with_statements_runs_as_its_own_irsa_role(rendered, stack):
    recording = rendered[stack].recording
    role = one(recording, "aws:iam/role:Role", f"nova-{stack}-media-service")
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    subjects = [value for key, value in statement["Condition"]["StringEquals"].items() if key.endswith(":sub")]
    assert subjects == [f"system:serviceaccount:nova-{stack}:media-service"]
    account = one(recording, "kubernetes:core/v1:ServiceAccount", "media-service")
    annotation = account.inputs["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert annotation == f"arn:aws:iam::123456789012:role/nova-{stack}-media-service"
    assert role.urn in account.dependencies
    colors = [r for r in recording.by_type("kubernetes:apps/v1:Deployment") if r.name.startswith("media-service-")]
    assert colors
    for deployment in colors:
        assert deployment.inputs["spec"]["template"]["spec"]["serviceAccountName"] == "media-service"
        assert account.urn in deployment.dependencies
    # Services without statements get no role and no annotation.
    plain = one(recording, "kubernetes:core/v1:ServiceAccount", "feed-service")
    assert "annotations" not in plain.inputs["metadata"]


def test_dev_keeps_logs_and_traces_on_local_volumes(rendered):
    recording = rendered["dev"].recording
    assert values(recording, "tempo")["tempo"]["storage"]["trace"]["backend"] == "local"
    assert values(recording, "loki")["loki"]["storage"] == {"type": "filesystem"}
    assert values(recording, "loki")["serviceAccount"]["annotations"] == {}


def test_dev_renders_zero_aws_resources(rendered):
    assert not [r.type for r in rendered["dev"].recording.resources if r.type.startswith("aws:")]


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_buckets_are_encrypted_and_closed_to_the_public(rendered, stack):
    recording = rendered[stack].recording
    buckets = {r.inputs["bucket"] for r in recording.by_type("aws:s3/bucket:Bucket")}
    assert buckets == {f"nova-platform-{stack}-{purpose}" for purpose in ("loki-chunks", "loki-ruler", "tempo")}
    for bucket in buckets:
        (block,) = [
            r for r in recording.by_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") if r.name == bucket
        ]
        assert block.inputs["bucket"] == bucket
        flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        assert all(block.inputs[flag] is True for flag in flags)
        (encryption,) = [
            r
            for r in recording.by_type(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
            )
            if r.name == bucket
        ]
        (rule,) = encryption.inputs["rules"]
        assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_lifecycle_expires_chunks_and_traces_a_day_after_retention_and_never_rules(rendered, stack):
    recording = rendered[stack].recording
    config = rendered[stack].config.values
    retention = {
        f"nova-platform-{stack}-loki-chunks": config["nova-platform:logging"]["retentionDays"],
        f"nova-platform-{stack}-tempo": config["nova-platform:tracing"]["retentionDays"],
    }
    lifecycles = {
        r.inputs["bucket"]: r.inputs["rules"]
        for r in recording.by_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    }
    ruler = f"nova-platform-{stack}-loki-ruler"
    assert set(lifecycles) == {*retention, ruler}
    for bucket, days in retention.items():
        (rule,) = lifecycles[bucket]
        assert rule["status"] == "Enabled"
        assert rule["expiration"] == {"days": days + 1}
    (rules,) = lifecycles[ruler]
    assert "expiration" not in rules, "rules never expire"
    for (rule,) in lifecycles.values():
        assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 7}


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_every_bucket_takes_tls_only_and_is_versioned(rendered, stack):
    recording = rendered[stack].recording
    buckets = {r.inputs["bucket"] for r in recording.by_type("aws:s3/bucket:Bucket")}
    versioned = {
        r.inputs["bucket"]
        for r in recording.by_type("aws:s3/bucketVersioning:BucketVersioning")
        if r.inputs["versioningConfiguration"] == {"status": "Enabled"}
    }
    assert versioned == buckets
    policies = {r.inputs["bucket"]: r.inputs["policy"] for r in recording.by_type("aws:s3/bucketPolicy:BucketPolicy")}
    assert set(policies) == buckets
    for bucket, text in policies.items():
        (statement,) = json.loads(text)["Statement"]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert statement["Resource"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_iam_policies_grant_exactly_the_listed_actions_on_the_listed_arns(rendered, stack):
    recording = rendered[stack].recording
    policies = {r.name: json.loads(r.inputs["policy"]) for r in recording.by_type("aws:iam/rolePolicy:RolePolicy")}
    chunks, ruler, tempo = (f"arn:aws:s3:::nova-platform-{stack}-{p}" for p in ("loki-chunks", "loki-ruler", "tempo"))
    assert policies == {
        f"nova-{stack}-loki": {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Buckets", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [chunks, ruler]},
                {
                    "Sid": "Objects",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    "Resource": [f"{chunks}/*", f"{ruler}/*"],
                },
            ],
        },
        f"nova-{stack}-tempo": {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Buckets", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [tempo]},
                {
                    "Sid": "Objects",
                    "Effect": "Allow",
                    "Action": [
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:DeleteObject",
                        "s3:GetObjectTagging",
                        "s3:PutObjectTagging",
                    ],
                    "Resource": [f"{tempo}/*"],
                },
            ],
        },
        # media-service's own statements (aws.statements in the stack file), and nothing more.
        f"nova-{stack}-media-service": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Statement0",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    "Resource": [f"arn:aws:s3:::nova-media-{stack}/*"],
                },
                {
                    "Sid": "Statement1",
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket"],
                    "Resource": [f"arn:aws:s3:::nova-media-{stack}"],
                },
            ],
        },
    }


def admin_grants(resources: list[Resource]) -> list[str]:
    """The bindings the policy pack's no-admin-service-accounts rule flags."""
    (policy,) = [policy for policy in POLICIES if policy.name == "no-admin-service-accounts"]
    return [violation.resource for violation in evaluate([policy], resources)]


@pytest.mark.parametrize("stack", STACKS)
def test_no_binding_grants_admin_to_a_service_account(rendered, stack):
    assert admin_grants(check.resources(rendered[stack].recording)) == []
    # Charts create their own RBAC from values: ours asks only for read-only rules.
    recording = rendered[stack].recording
    for release in releases(recording).values():
        for rule in release.inputs["values"].get("clusterRole", {}).get("rules", []):
            assert set(rule["verbs"]) <= {"get", "list", "watch"}, release.name
            assert "*" not in rule["resources"]


def test_the_admin_binding_check_can_fail():
    planted = {
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "ci-admin"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "argocd"}],
    }
    binding = Resource(
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "ci-admin", "urn:ci-admin", planted
    )
    assert admin_grants([binding]) == ["ci-admin"]


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_deployments_pull_from_the_stacks_ecr_repositories(rendered, stack):
    recording = rendered[stack].recording
    repositories = {r.name: r for r in recording.by_type("aws:ecr/repository:Repository")}
    assert set(repositories) == set(NOVA_SERVICES)
    for name, repository in repositories.items():
        assert repository.inputs["name"] == f"nova/{name}"
        assert repository.inputs["imageTagMutability"] == "IMMUTABLE"
        assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    for deployment in recording.by_type("kubernetes:apps/v1:Deployment"):
        service = deployment.name.rsplit("-", 1)[0]
        image = deployment.inputs["spec"]["template"]["spec"]["containers"][0]["image"]
        tag = deployment.inputs["metadata"]["labels"]["app.kubernetes.io/version"]
        assert image == f"123456789012.dkr.ecr.us-west-2.amazonaws.com/nova/{service}:{tag}"
        assert repositories[service].urn in deployment.dependencies


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_ecr_keeps_the_configured_number_of_images(rendered, stack):
    recording = rendered[stack].recording
    keep = rendered[stack].config.values["nova-platform:aws"]["ecrKeepImages"]
    policies = recording.by_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    assert len(policies) == len(NOVA_SERVICES)
    for policy in policies:
        (rule,) = json.loads(policy.inputs["policy"])["rules"]
        assert rule["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep}
        assert rule["action"] == {"type": "expire"}


def test_the_collector_pipeline_runs_in_the_documented_order(rendered):
    for stack in STACKS:
        gateway = values(rendered[stack].recording, "otel-gateway")
        assert gateway["mode"] == "deployment"
        assert gateway["image"]["repository"] == "otel/opentelemetry-collector-contrib"
        pipelines = gateway["alternateConfig"]["service"]["pipelines"]
        assert set(pipelines) == {"traces", "logs", "metrics"}
        for pipeline in pipelines.values():
            assert pipeline["receivers"] == ["otlp"]
            assert pipeline["processors"] == ["memory_limiter", "k8s_attributes", "batch"]
        exporters = gateway["alternateConfig"]["exporters"]
        assert exporters["otlp_grpc/tempo"]["endpoint"] == "tempo.tracing.svc.cluster.local:4317"
        assert exporters["otlp_http/loki"]["endpoint"] == "http://loki-gateway.logging.svc.cluster.local/otlp"
        assert exporters["prometheusremotewrite"]["endpoint"] == (
            "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090/api/v1/write"
        )
        prometheus = values(rendered[stack].recording, "kube-prometheus-stack")["prometheus"]["prometheusSpec"]
        assert prometheus["enableRemoteWriteReceiver"] is True


@pytest.mark.parametrize("stack", STACKS)
def test_the_collector_runs_only_the_config_the_program_builds(rendered, stack):
    # alternateConfig replaces the chart's config instead of merging into its defaults: no
    # Jaeger, Zipkin or Prometheus receiver, no debug exporter, and health_check for the probes.
    gateway = values(rendered[stack].recording, "otel-gateway")
    assert "config" not in gateway, "`config` merges into the chart's defaults, which only a null removes"
    collector = gateway["alternateConfig"]
    assert set(collector["receivers"]) == {"otlp"}
    assert "debug" not in collector["exporters"]
    assert collector["extensions"] == {"health_check": {"endpoint": "${env:MY_POD_IP}:13133"}}
    assert collector["service"]["extensions"] == ["health_check"]
    used = {name for pipeline in collector["service"]["pipelines"].values() for name in pipeline["exporters"]}
    assert used == set(collector["exporters"]), "every exporter is in a pipeline, and only those"


@pytest.mark.parametrize("stack", STACKS)
def test_no_input_of_any_stack_is_sent_as_null(rendered, stack):
    # The provider reads every input with nulls skipped: a null the program builds (a chart
    # default it means to delete, say) would silently do nothing on the cluster.
    assert rendered[stack].recording.dropped_nulls == {}
    assert check.null_check(rendered[stack].recording).passed


def test_a_gateway_without_a_remote_write_target_runs_only_the_traces_pipeline():
    # Without our Prometheus and without Loki the collector has nowhere to send metrics or logs:
    # only the traces pipeline is there (the chart's default pipelines never are).
    result = render_with_existing_operator("logging.enabled=false")
    collector = values(result.recording, "otel-gateway")["alternateConfig"]
    assert list(collector["service"]["pipelines"]) == ["traces"]
    assert collector["service"]["pipelines"]["traces"]["exporters"] == ["otlp_grpc/tempo"]
    assert list(collector["exporters"]) == ["otlp_grpc/tempo"]


@pytest.mark.parametrize("stack", STACKS)
def test_no_stack_runs_a_node_agent_and_tracing_is_not_privileged(rendered, stack):
    # Services send OTLP to the gateway Service; nothing listens on host ports.
    collectors = [
        name
        for name, release in releases(rendered[stack].recording).items()
        if release.inputs["chart"] == "opentelemetry-collector"
    ]
    assert collectors == [conventions.OTEL_GATEWAY_RELEASE]
    namespaces = 0
    for document in rendered[stack].manifests():
        if document["kind"] == "Namespace" and document["metadata"]["name"] == "tracing":
            assert document["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
            namespaces += 1
    assert namespaces == 1


@pytest.mark.parametrize("stack", STACKS)
def test_alloy_ships_every_nodes_pod_logs_to_loki(rendered, stack):
    alloy = values(rendered[stack].recording, "alloy")
    assert alloy["controller"]["type"] == "daemonset"
    assert alloy["alloy"]["mounts"]["varlog"] is True
    content = alloy["alloy"]["configMap"]["content"]
    assert 'url = "http://loki-gateway.logging.svc.cluster.local/loki/api/v1/push"' in content
    assert '"/var/log/pods/*$1/*.log"' in content
    assert f'cluster = "nova-{stack}"' in content


def promised_log_labels() -> list[str]:
    """The labels docs/metrics.md says every log stream carries."""
    text = (PROJECT_DIR / "docs" / "metrics.md").read_text()
    sentence = text[text.index("Alloy labels every log stream with") :].split(" as the metrics")[0]
    return re.findall(r"`([a-z_]+)`", sentence)


@pytest.mark.parametrize("stack", STACKS)
def test_every_log_label_the_docs_promise_is_written_once_by_alloy(rendered, stack):
    content = values(rendered[stack].recording, "alloy")["alloy"]["configMap"]["content"]
    labels = promised_log_labels()
    assert {"namespace", "pod", "container", "app", "service", "color"} <= set(labels)
    for label in labels:
        assert content.count(f'target_label  = "{label}"') == 1, label


@pytest.mark.parametrize("stack", STACKS)
def test_alloy_keeps_its_file_positions_on_the_node_across_restarts(rendered, stack):
    alloy = values(rendered[stack].recording, "alloy")
    (volume,) = alloy["controller"]["volumes"]["extra"]
    (mount,) = alloy["alloy"]["mounts"]["extra"]
    assert volume["hostPath"] == {"path": "/var/lib/alloy", "type": "DirectoryOrCreate"}
    assert mount == {"name": volume["name"], "mountPath": "/var/lib/alloy"}
    assert alloy["alloy"]["storagePath"].startswith(mount["mountPath"] + "/")


def test_grafana_gets_loki_and_tempo_data_sources(rendered):
    grafana = values(rendered["staging"].recording, "kube-prometheus-stack")["grafana"]
    assert {source["name"]: source["url"] for source in grafana["additionalDataSources"]} == {
        "Loki": "http://loki-gateway.logging.svc.cluster.local",
        "Tempo": "http://tempo.tracing.svc.cluster.local:3200",
    }


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_influxdb_keeps_its_admin_credentials_in_a_secret_from_pulumi_secrets(rendered, stack):
    result = rendered[stack]
    influx = values(result.recording, "influxdb")
    assert influx["adminUser"]["existingSecret"] == "influxdb-auth"
    assert influx["persistence"]["enabled"] is True
    (secret,) = [m for m in result.manifests() if m["kind"] == "Secret" and m["metadata"]["name"] == "influxdb-auth"]
    assert secret["stringData"] == {"admin-password": "[secret]", "admin-token": "[secret]"}
    release = releases(result.recording)["influxdb"]
    assert one(result.recording, "kubernetes:core/v1:Secret", "influxdb-auth").urn in release.options["dependsOn"]


def test_an_oidc_issuer_from_config_replaces_the_cluster_lookup():
    issuer = "https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF"
    recording = render_stack(
        PROJECT_DIR, "staging", placeholder_secrets=True, overrides=[f"aws.oidcIssuer={issuer}"]
    ).recording
    for role in recording.by_type("aws:iam/role:Role"):
        (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Principal"]["Federated"] == (
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF"
        )


def test_every_chart_pin_records_its_index_entry():
    for name, chart in conventions.CHARTS.items():
        assert re.fullmatch(r"[0-9a-f]{64}", chart.digest), name
        assert re.fullmatch(r"v?\d+\.\d+\.\d+", chart.app_version), name
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", chart.checked), name
        assert re.fullmatch(r"\d+\.\d+\.\d+", chart.version), name


def test_a_wildcard_statement_is_warned_about_on_staging(caplog):
    text = (PROJECT_DIR / "Pulumi.staging.yaml").read_text()
    wide = text.replace('actions: ["s3:ListBucket"]', 'actions: ["s3:*"]', 1)
    assert wide != text
    with caplog.at_level(logging.WARNING):
        render_stack(PROJECT_DIR, "staging", placeholder_secrets=True, stack_text=wide)
    assert "media-service: IAM statement grants action 's3:*'; name them" in caplog.text


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_argocd_tells_slack_about_the_application_with_a_token_from_a_pulumi_secret(rendered, stack):
    recording = rendered[stack].recording
    notifications = values(recording, "argocd")["notifications"]
    assert notifications["secret"] == {"create": False, "name": "argocd-notifications-secret"}
    assert notifications["notifiers"] == {"service.slack": "token: $slack-token\n"}
    (subscription,) = notifications["subscriptions"]
    assert subscription == {
        "recipients": [f"slack:nova-deploys-{stack}"],
        "triggers": ["on-sync-failed", "on-health-degraded", "on-sync-succeeded"],
    }
    for trigger in subscription["triggers"]:
        send = trigger.removeprefix("on-")
        assert f"send: [app-{send}]" in notifications["triggers"][f"trigger.{trigger}"]
        assert f"template.app-{send}" in notifications["templates"]
    secret = one(recording, "kubernetes:core/v1:Secret", "argocd-notifications-secret")
    assert secret.urn in releases(recording)["argocd"].dependencies
    manifest_text = json.dumps(rendered[stack].manifests())
    assert "offline-placeholder-nova-platform-argocdSlackToken" not in manifest_text


def _days(duration: str) -> int:
    assert duration.endswith("d"), duration
    return int(duration[:-1])


@pytest.mark.parametrize("stack", STACKS)
def test_prometheus_keeps_the_longest_slo_window_on_a_volume_and_alertmanager_its_silences(rendered, stack):
    chart = values(rendered[stack].recording, conventions.MONITORING_RELEASE)
    prometheus = chart["prometheus"]["prometheusSpec"]
    assert _days(prometheus["retention"]) > SLO_WINDOW_DAYS
    size = prometheus["storageSpec"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"]
    storage = platform_config(rendered[stack].config).monitoring.storage
    assert storage is not None
    assert size == storage.prometheus
    assert int(prometheus["retentionSize"].removesuffix("GB")) * 2**30 < parse_quantity(size)
    alertmanager = chart["alertmanager"]["alertmanagerSpec"]["storage"]["volumeClaimTemplate"]["spec"]
    assert alertmanager["resources"]["requests"]["storage"] == storage.alertmanager


def _containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    spec = document.get("spec", {})
    template = spec.get("jobTemplate", {}).get("spec", spec).get("template", {})
    pod = template.get("spec", {})
    return [*pod.get("containers", []), *pod.get("initContainers", [])]


@pytest.mark.parametrize("stack", STACKS)
def test_no_rendered_container_or_loki_cache_asks_for_more_memory_than_a_node_has(rendered, stack):
    config = platform_config(rendered[stack].config)
    node = parse_quantity(config.node_memory)
    asked = 0
    for document in rendered[stack].manifests():
        for container in _containers(document):
            memory = container.get("resources", {}).get("requests", {}).get("memory")
            if memory is not None:
                asked += 1
                assert parse_quantity(memory) <= node, (document["metadata"]["name"], memory)
    assert asked >= len(config.services)
    if config.logging is not None and config.logging.mode == "SimpleScalable":
        loki = values(rendered[stack].recording, conventions.LOKI_RELEASE)
        for cache in ("chunksCache", "resultsCache"):
            allocated = loki[cache]["allocatedMemory"]
            assert allocated * 1.2 * 2**20 <= node, cache


def test_the_chart_default_loki_cache_is_refused_on_ordinary_nodes():
    with pytest.raises(
        ProgramRefusalError, match=r"logging.chunksCacheMB: Loki's chunksCache pods would request 9.6 GiB"
    ):
        render_stack(
            PROJECT_DIR,
            "production",
            placeholder_secrets=True,
            overrides=["logging.chunksCacheMB=8192", "nodeMemory=8Gi"],
        )
