"""check --live's StorageClass findings: the classes a stack's volumes need, against the cluster's."""

from __future__ import annotations

from typing import Any

import pytest

from components.config.fields import ConfigError
from components.config.stack import parse_platform_config, volume_classes
from novactl.stack.declared import declared_platform
from novactl.validate.preflight import DEFAULT_CLASS_ANNOTATION, storage_findings
from tests.conftest import PROJECT_DIR


def storage_class(name: str, default: bool = False) -> dict[str, Any]:
    annotations = {DEFAULT_CLASS_ANNOTATION: "true"} if default else {}
    return {"metadata": {"name": name, "annotations": annotations}, "provisioner": "ebs.csi.aws.com"}


@pytest.fixture(scope="module")
def staging():
    return declared_platform(PROJECT_DIR, "staging")


def with_storage_class(raw_config: dict[str, Any], **values: Any) -> Any:
    raw_config.update(values)
    return parse_platform_config(raw_config, "staging")


def test_every_piece_that_keeps_data_claims_the_stacks_class(staging):
    assert volume_classes(staging) == dict.fromkeys(("monitoring", "logging", "tracing", "performance"))


def test_no_storage_class_and_no_default_stops_with_the_key_and_the_pieces(staging):
    (finding,) = storage_findings(staging, [storage_class("gp2"), storage_class("gp3")])
    assert finding.startswith("Pulumi.staging.yaml: nova-platform:storageClass: unset, and the cluster marks no")
    assert "the volumes of monitoring, logging, tracing, performance would stay Pending" in finding
    assert finding.endswith("(the cluster has: gp2, gp3)")


def test_a_default_class_serves_a_stack_that_names_none(staging):
    assert storage_findings(staging, [storage_class("gp2", default=True)]) == []


def test_a_named_class_must_exist_even_when_there_is_a_default(raw_config):
    config = with_storage_class(raw_config, storageClass="gp3")
    assert set(volume_classes(config).values()) == {"gp3"}
    (finding,) = storage_findings(config, [storage_class("gp2", default=True)])
    assert "nova-platform:storageClass: StorageClass 'gp3' is not in the cluster" in finding
    assert storage_findings(config, [storage_class("gp3")]) == []


def test_monitorings_own_class_is_checked_under_its_own_key(raw_config):
    raw_config["monitoring"] = {**raw_config.get("monitoring", {}), "storage": {"storageClass": "io2"}}
    config = with_storage_class(raw_config, storageClass="gp3")
    assert volume_classes(config)["monitoring"] == "io2"
    (finding,) = storage_findings(config, [storage_class("gp3")])
    assert "nova-platform:monitoring.storage.storageClass: StorageClass 'io2' is not in the cluster" in finding
    assert "the volumes of monitoring would" in finding


def test_an_empty_cluster_says_it_has_no_class(raw_config):
    config = with_storage_class(raw_config, storageClass="gp3")
    (finding,) = storage_findings(config, [])
    assert finding.endswith("(the cluster has no StorageClass at all)")


@pytest.mark.parametrize("value", ["GP3", "", "gp3/fast", 3])
def test_a_storage_class_that_is_no_name_is_refused(raw_config, value):
    with pytest.raises(ConfigError) as error:
        with_storage_class(raw_config, storageClass=value)
    assert str(error.value).startswith("Pulumi.staging.yaml: nova-platform:storageClass:")
