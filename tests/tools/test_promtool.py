"""The rendered alert rules through Debian's promtool: they load, and they fire when they should."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from components.builders.alerts import ALERT_RULES_NAME
from novactl.stack.files import platform_config
from tests.conftest import STACKS
from tests.tools import promtool_cases
from tests.tools.conftest import run_tool


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return run_tool("promtool", "prometheus", *args)


@pytest.fixture(scope="module")
def rule_files(written) -> dict[str, Path]:
    # By name: which file comes first says nothing about which holds the platform's alerts.
    return {
        stack: next(path for path in result.rule_files if path.name == f"{ALERT_RULES_NAME}.rules.yaml")
        for stack, result in written.items()
    }


@pytest.mark.parametrize("stack", STACKS)
def test_rendered_rules_pass_promtool_check(rule_files, stack):
    outcome = promtool("check", "rules", str(rule_files[stack]))
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert "SUCCESS: 10 rules found" in outcome.stdout


@pytest.mark.parametrize("stack", STACKS)
def test_each_alert_fires_on_bad_series_and_stays_quiet_on_healthy_ones(rendered, rule_files, stack, tmp_path):
    document = promtool_cases.test_document(platform_config(rendered[stack].config), str(rule_files[stack]))
    test_file = tmp_path / "alerts.test.yaml"
    test_file.write_text(yaml.safe_dump(document, sort_keys=False))
    outcome = promtool("test", "rules", str(test_file))
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert "SUCCESS" in outcome.stdout


def test_alert_annotations_render_for_a_responder(rendered, rule_files, tmp_path):
    document = promtool_cases.annotation_test(platform_config(rendered["staging"].config), str(rule_files["staging"]))
    test_file = tmp_path / "annotations.test.yaml"
    test_file.write_text(yaml.safe_dump(document, sort_keys=False))
    outcome = promtool("test", "rules", str(test_file))
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr


def test_promtool_catches_a_wrong_expectation(rendered, rule_files, tmp_path):
    # Proves the unit tests can fail: claim a healthy error ratio pages.
    document = promtool_cases.test_document(platform_config(rendered["staging"].config), str(rule_files["staging"]))
    document["tests"][1]["alert_rule_test"] = [
        {"eval_time": "15m", "alertname": "HighErrorRate", "exp_alerts": [{"exp_labels": {"severity": "critical"}}]}
    ]
    test_file = tmp_path / "wrong.test.yaml"
    test_file.write_text(yaml.safe_dump(document, sort_keys=False))
    outcome = promtool("test", "rules", str(test_file))
    assert outcome.returncode != 0
    assert "HighErrorRate" in outcome.stdout + outcome.stderr
