"""The program under the real Pulumi engine (`make e2e`): the CLI, the Python language host and
the Kubernetes provider that tools/engine/build.sh built, previewing the e2e stack against the
real API server. Where the engine and the offline engine (novactl) disagree, the engine is right.
`pulumi up` is in test_engine_up.py, on a control plane with controllers.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import kubernetes
import pytest
import yaml

from components.cluster import read_cluster
from novactl.engine.render import SECRET_MASK
from novactl.errors import ProgramRefusalError
from tests.conftest import PROJECT_DIR
from tests.e2e.conftest import CONTEXT, prepare_operator_cluster
from tests.e2e.control_plane import ADMIN_TOKEN, ControlPlane
from tests.e2e.engine import NAMESPACE, SECRET_VALUE, STACK, Engine
from tests.e2e.report import Report

pytestmark = pytest.mark.e2e

STACK_TYPE = "pulumi:pulumi:Stack"


@pytest.fixture(scope="module")
def engine(cluster: ControlPlane, admin: Any, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    prepare_operator_cluster(admin)
    folder = tmp_path_factory.mktemp("engine")
    kubeconfig = cluster.kubeconfig(folder / "kubeconfig", CONTEXT, ADMIN_TOKEN)
    return Engine.create(folder, kubeconfig, CONTEXT)


@pytest.fixture(scope="module")
def preview(engine: Engine) -> dict[str, Any]:
    return engine.preview_json()


def as_the_provider_checks(type_: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """What the Kubernetes provider's Check makes of inputs the program sent: it folds a Secret's
    `stringData` into base64 `data`, secret as a whole when either part was."""
    if type_ != "kubernetes:core/v1:Secret" or "stringData" not in inputs:
        return inputs
    checked = copy.deepcopy(inputs)
    string_data = checked.pop("stringData")
    data = checked.get("data", {})
    if SECRET_MASK in (string_data, data):
        checked["data"] = SECRET_MASK
    else:
        encoded = {key: base64.b64encode(value.encode()).decode() for key, value in string_data.items()}
        checked["data"] = {**data, **encoded}
    return checked


def test_the_engine_is_the_pinned_cli(engine: Engine):
    version = engine.pulumi("version").stdout.strip()
    assert version == "v3.274.0", version


def test_the_engine_plans_exactly_what_the_offline_engine_records(engine: Engine, preview: dict[str, Any]):
    offline = engine.render()
    expected = {resource.urn: (resource, inputs) for resource, inputs in offline.cleaned}
    steps = {step["urn"]: step for step in preview["steps"]}
    (stack_urn,) = [urn for urn, step in steps.items() if step["newState"]["type"] == STACK_TYPE]
    assert set(steps) - {stack_urn} == set(expected)
    assert {step["op"] for step in steps.values()} == {"create"}
    disagree = []
    for urn, (resource, inputs) in expected.items():
        engine_inputs = steps[urn]["newState"].get("inputs", {})
        if engine_inputs != as_the_provider_checks(resource.type, inputs):
            disagree.append(urn)
    assert not disagree, f"{len(disagree)} of {len(expected)} resources differ, first {disagree[:3]}"
    assert len(expected) > 130


def test_a_secret_reaches_its_kubernetes_secret_and_no_output_in_plain_text(engine: Engine, preview: dict[str, Any]):
    (secret,) = [
        step["newState"]["inputs"]
        for step in preview["steps"]
        if step["newState"]["type"] == "kubernetes:core/v1:Secret" and step["urn"].endswith("::feed-service-env")
    ]
    assert secret["data"] == SECRET_MASK
    assert SECRET_VALUE not in json.dumps(preview)
    assert SECRET_VALUE not in engine.stack_file().read_text()


def test_plain_config_stored_as_a_secret_stops_the_preview(engine: Engine):
    """The engine showed a registry set with --secret in every Deployment's inputs in plain
    text (so in state); the program now refuses it, under the engine as offline."""
    with engine.stack_file_restored():
        engine.pulumi("config", "set", "--secret", "imageRegistry", "registry.e2e.example:5000")
        outcome = engine.pulumi("preview", check=False)
    assert outcome.returncode != 0
    assert f"error: Pulumi.{STACK}.yaml: nova-platform:imageRegistry: is stored as a secret" in outcome.stdout
    assert "registry.e2e.example" not in outcome.stdout + outcome.stderr


POLICY_PACK = PROJECT_DIR / "policies" / "nova-guardrails"
PLANTED = """
import pulumi_kubernetes as k8s

k8s.rbac.v1.ClusterRoleBinding(
    "planted-admin",
    role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
    subjects=[{"kind": "ServiceAccount", "name": "default", "namespace": "default"}],
)
"""


def test_the_policy_pack_passes_the_stack_and_refuses_a_planted_violation_under_the_engine(
    engine: Engine, report: Report
):
    """`pulumi preview --policy-pack` with the pack as an executable plugin (policies/nova-guardrails):
    the e2e stack passes every mandatory policy, and a cluster-admin binding planted in the
    program fails the real preview, named by its policy."""
    with report.step("preview with the policy pack"):
        passed = engine.pulumi("preview", "--policy-pack", str(POLICY_PACK), check=False)
        assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "nova-guardrails" in passed.stdout, "the pack ran"
    program = engine.project / "__main__.py"
    original = program.read_text()
    program.write_text(original + PLANTED)
    try:
        refused = engine.pulumi("preview", "--policy-pack", str(POLICY_PACK), check=False)
    finally:
        program.write_text(original)
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert "[mandatory]" in output
    assert "no-admin-service-accounts" in output
    assert "planted-admin" in output


def test_a_stack_pointed_at_another_cluster_registers_nothing_there(
    cluster: ControlPlane, admin: Any, tmp_path_factory: pytest.TempPathFactory
):
    """The stack belongs to another cluster; the kubeconfig's context reaches this one. Preview
    and up stop with one line naming both, and nothing of the stack reaches this cluster."""
    folder = tmp_path_factory.mktemp("elsewhere")
    kubeconfig = cluster.kubeconfig(folder / "kubeconfig", CONTEXT, ADMIN_TOKEN)
    own = read_cluster(CONTEXT, str(kubeconfig)).uid
    other = "9d1f6e2a-0c4b-4f7e-8a3d-5b2c1e0f9a87"
    elsewhere = Engine.create(folder, kubeconfig, CONTEXT, cluster_uid=other)
    line = (
        f"error: Pulumi.{STACK}.yaml: nova-platform:clusterUid: stack {STACK} belongs to cluster {other}, "
        f"but context {CONTEXT} reaches cluster {own} at "
    )
    for command in (["preview"], ["up", "--yes"]):
        outcome = elsewhere.pulumi(*command, check=False)
        assert outcome.returncode != 0, command
        assert line in outcome.stdout + outcome.stderr, outcome.stdout + outcome.stderr
        assert "Traceback" not in outcome.stdout + outcome.stderr
    state = json.loads(elsewhere.pulumi("stack", "export").stdout)
    registered = [resource["type"] for resource in state["deployment"].get("resources") or []]
    assert set(registered) <= {STACK_TYPE}, registered
    names = {item.metadata.name for item in kubernetes.client.CoreV1Api(admin).list_namespace().items if item.metadata}
    assert NAMESPACE not in names


def test_a_config_error_stops_the_preview_with_novactl_s_one_line_message(engine: Engine):
    with engine.stack_file_restored() as stack_file:
        document = yaml.safe_load(stack_file.read_text())
        document["config"]["nova-platform:services"]["feed-service"]["port"] = 0
        stack_file.write_text(yaml.safe_dump(document, sort_keys=False))
        with pytest.raises(ProgramRefusalError) as offline:
            engine.render()
        outcome = engine.pulumi("preview", check=False)
    message = str(offline.value)
    assert message.startswith(f"Pulumi.{STACK}.yaml: nova-platform:services.feed-service.port: ")
    assert outcome.returncode != 0
    assert f"error: {message}" in outcome.stdout + outcome.stderr
    assert "Traceback" not in outcome.stdout + outcome.stderr
