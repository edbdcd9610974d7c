"""The rendered Alertmanager configuration through Debian's amtool: valid, and routing right."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from components.builders.alerts import ALERT_RULES_NAME
from tests.conftest import STACKS
from tests.tools.conftest import run_tool


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return run_tool("amtool", "prometheus-alertmanager", *args)


@pytest.fixture(scope="module")
def configs(written) -> dict[str, Path]:
    files = {stack: result.alertmanager_config for stack, result in written.items()}
    assert None not in files.values()
    return {stack: path for stack, path in files.items() if path is not None}


@pytest.mark.parametrize("stack", STACKS)
def test_rendered_config_passes_amtool_check_config(configs, stack):
    outcome = amtool("check-config", str(configs[stack]))
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert "SUCCESS" in outcome.stdout


def route(config: Path, receiver: str, *labels: str) -> subprocess.CompletedProcess[str]:
    return amtool("config", "routes", "test", f"--config.file={config}", f"--verify.receivers={receiver}", *labels)


@pytest.mark.parametrize("stack", ["staging", "production"])
@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (("alertname=HighErrorRate", "severity=critical", "service=feed-service"), "critical"),
        (("alertname=HighLatencyP95", "severity=warning", "service=feed-service"), "slack-warning"),
        (("alertname=Watchdog",), "slack-default"),
        (("alertname=Something", "severity=info"), "slack-default"),
    ],
)
def test_severities_route_to_their_receivers(configs, stack, labels, receiver):
    outcome = route(configs[stack], receiver, *labels)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr


def test_a_wrong_receiver_expectation_fails(configs):
    # Proves the routing test can fail: a critical alert does not go to the warning channel.
    outcome = route(configs["staging"], "slack-warning", "severity=critical")
    assert outcome.returncode != 0


def test_dev_routes_everything_to_the_null_receiver(configs):
    for labels in (("severity=critical",), ("severity=warning",), ("alertname=Watchdog",)):
        outcome = route(configs["dev"], "null", *labels)
        assert outcome.returncode == 0, outcome.stdout + outcome.stderr


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_deployment_alerts_route_by_the_severity_their_rules_carry(written, configs, stack):
    (rule_file,) = [path for path in written[stack].rule_files if path.name == f"{ALERT_RULES_NAME}.rules.yaml"]
    rules = {
        rule["alert"]: rule for group in yaml.safe_load(rule_file.read_text())["groups"] for rule in group["rules"]
    }
    receivers = {"critical": "critical", "warning": "slack-warning"}
    for name in ("NovaRolloutStuck", "NovaSmokeTestFailed", "NovaIdleColourNotReady", "NovaServiceMetricsAbsent"):
        labels = rules[name]["labels"]
        outcome = route(
            configs[stack], receivers[labels["severity"]], f"alertname={name}", *(f"{k}={v}" for k, v in labels.items())
        )
        assert outcome.returncode == 0, name + outcome.stdout + outcome.stderr
