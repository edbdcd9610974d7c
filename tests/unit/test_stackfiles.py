"""Stack files merge as the Pulumi CLI merges them; overrides follow `config set --path`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from components import conventions
from novactl.stack.files import StackError, load_stack_config
from tests.conftest import PROJECT_DIR

PROJECT = "name: nova-platform\nruntime: python\nconfig:\n  cloud:\n    type: string\n    default: aws\n"


def write_project(folder: Path, stack_text: str) -> Path:
    (folder / "Pulumi.yaml").write_text(PROJECT)
    (folder / "Pulumi.test.yaml").write_text(stack_text)
    return folder


def test_project_defaults_apply_unless_the_stack_sets_the_key(tmp_path):
    write_project(tmp_path, "config:\n  nova-platform:namespace: nova-test\n")
    assert load_stack_config(tmp_path, "test").values["nova-platform:cloud"] == "aws"
    write_project(tmp_path, "config:\n  nova-platform:cloud: local\n")
    assert load_stack_config(tmp_path, "test").values["nova-platform:cloud"] == "local"


def test_engine_config_is_strings_and_json_objects(tmp_path):
    write_project(
        tmp_path, "config:\n  nova-platform:services:\n    feed-service:\n      active: blue\n  aws:region: us-west-2\n"
    )
    engine = load_stack_config(tmp_path, "test").engine_config()
    assert engine["aws:region"] == "us-west-2"
    assert json.loads(engine["nova-platform:services"]) == {"feed-service": {"active": "blue"}}


def test_secure_values_become_secret_placeholders(tmp_path):
    write_project(tmp_path, "config:\n  nova-platform:slackWebhookUrl:\n    secure: v1:abc==\n")
    config = load_stack_config(tmp_path, "test")
    assert "nova-platform:slackWebhookUrl" in config.secret_keys
    assert config.values["nova-platform:slackWebhookUrl"] in config.secret_values
    assert "v1:abc" not in json.dumps(config.engine_config())


def test_path_overrides_set_nested_values_with_config_set_path_types(tmp_path):
    write_project(tmp_path, "config:\n  nova-platform:services:\n    feed-service:\n      active: blue\n")
    config = load_stack_config(
        tmp_path,
        "test",
        ["services.feed-service.active=green", "services.feed-service.replicas=3", "nova-platform:services.x.on=true"],
    )
    services = config.values["nova-platform:services"]
    assert services["feed-service"] == {"active": "green", "replicas": 3}
    assert services["x"] == {"on": True}


def test_top_level_and_other_namespace_overrides_stay_strings(tmp_path):
    write_project(tmp_path, "config: {}\n")
    config = load_stack_config(tmp_path, "test", ["namespace=007", "aws:region=eu-west-1"])
    assert config.values["nova-platform:namespace"] == "007"
    assert config.values["aws:region"] == "eu-west-1"


def test_secret_overrides_are_marked_secret(tmp_path):
    write_project(tmp_path, "config: {}\n")
    config = load_stack_config(tmp_path, "test", secret_overrides=["pagerdutyRoutingKey=abc123"])
    assert config.secret_keys == {"nova-platform:pagerdutyRoutingKey"}
    assert "abc123" in config.secret_values


@pytest.mark.parametrize(
    ("stack_text", "message"),
    [
        ("config: [1, 2]\n", "Pulumi.test.yaml: config: expected a mapping"),
        ("config:\n  a: [\n", "Pulumi.test.yaml: not valid YAML (line"),
        ("- 1\n", "Pulumi.test.yaml: expected a mapping at the top level"),
    ],
)
def test_malformed_stack_files_get_one_line_errors(tmp_path, stack_text, message):
    write_project(tmp_path, stack_text)
    with pytest.raises(StackError) as caught:
        load_stack_config(tmp_path, "test")
    assert str(caught.value).startswith(message)


def test_a_missing_stack_file_names_it_and_lists_the_stacks(tmp_path):
    write_project(tmp_path, "config: {}\n")
    with pytest.raises(StackError, match=r"Pulumi.prod.yaml: stack file not found \(stacks here: test\)"):
        load_stack_config(tmp_path, "prod")


def test_bad_override_syntax_is_a_usage_error(tmp_path):
    write_project(tmp_path, "config: {}\n")
    with pytest.raises(StackError, match="expected KEY=VALUE"):
        load_stack_config(tmp_path, "test", ["services.feed-service.active"])


def test_project_file_defaults_match_the_code_defaults():
    project = yaml.safe_load((Path(__file__).resolve().parents[2] / "Pulumi.yaml").read_text())
    assert project["name"] == conventions.PROJECT
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    assert project["config"]["smokeTestImage"]["default"] == conventions.SMOKE_TEST_IMAGE
    assert project["config"]["cloud"]["default"] == "aws"


def test_check_lists_the_secrets_a_placeholder_stood_in_for_with_the_command_to_set_each():
    from novactl.validate.check import Report, format_report

    config = load_stack_config(
        PROJECT_DIR, "staging", secret_overrides=["slackWebhookUrl=https://hooks.example/x"], placeholder_secrets=True
    )
    assert "slackWebhookUrl" not in config.unset_secrets
    assert {"pagerdutyRoutingKey", "grafanaAdminPassword", "feedSigningKey", "argocdSlackToken"} <= set(
        config.unset_secrets
    )
    lines = format_report(Report("staging", unset_secrets=sorted(config.unset_secrets)))
    assert "  feedSigningKey: pulumi config set --secret feedSigningKey <value> -s staging" in lines
    assert not any("slackWebhookUrl" in line for line in lines)
