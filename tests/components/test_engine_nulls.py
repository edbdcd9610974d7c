"""The offline engine records what the provider reads: a nested null never arrives.

Regression for what the real engine showed with the charts installed: the Kubernetes provider
reads every input, Helm values among them, with nulls skipped (pulumi-kubernetes
provider/pkg/provider/helm_release.go, provider.go: SkipNulls), so the render kept nulls that
the cluster never got.
"""

from __future__ import annotations

import pulumi_kubernetes as k8s

from novactl.engine.program import Recording, record
from novactl.engine.render import clean
from novactl.stack.files import StackConfig
from novactl.validate.check import null_check


def release_with(values: dict[str, object]) -> Recording:
    def program() -> None:
        k8s.helm.v3.Release(
            "collector",
            k8s.helm.v3.ReleaseArgs(chart="opentelemetry-collector", version="0.170.0", values=values),
        )

    return record(program, StackConfig(project="nova-platform", stack="dev", values={}))


def test_a_nested_null_is_not_in_the_recorded_inputs_and_its_path_is_kept():
    recording = release_with(
        {"config": {"receivers": {"jaeger": None, "otlp": {"protocols": {"grpc": {}}}}}, "extra": [{"a": None}, None]}
    )
    (release,) = recording.resources
    expected: dict[str, object] = {"config": {"receivers": {"otlp": {"protocols": {"grpc": {}}}}}, "extra": [{}, None]}
    assert clean(release.inputs["values"]) == expected
    assert recording.dropped_nulls == {release.urn: ["values.config.receivers.jaeger", "values.extra[0].a"]}
    assert recording.null_inputs() == [
        "collector (kubernetes:helm.sh/v3:Release): values.config.receivers.jaeger",
        "collector (kubernetes:helm.sh/v3:Release): values.extra[0].a",
    ]
    assert not null_check(recording).passed


def test_values_without_nulls_record_nothing_dropped():
    recording = release_with({"config": {"receivers": {"otlp": {}}}})
    assert recording.dropped_nulls == {}
    assert null_check(recording).passed
