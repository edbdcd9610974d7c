"""The rendered Alertmanager configuration through Debian's amtool: valid, and routing right."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import STACKS

AMTOOL = shutil.which("amtool")


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    if AMTOOL is None:
        pytest.fail("amtool is not installed: run `make tools` (Debian package prometheus-alertmanager)")
    return subprocess.run([AMTOOL, *args], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def configs(rendered, tmp_path_factory) -> dict[str, Path]:
    files = {}
    for stack in STACKS:
        result = rendered[stack].write(tmp_path_factory.mktemp(stack))
        assert result.alertmanager_config is not None
        files[stack] = result.alertmanager_config
    return files


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
