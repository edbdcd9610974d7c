"""The workflows' scripts run for real: the promote rollback on a copy of the project with a
git remote, the Slack notification against a webhook on loopback, and the traffic summary."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from tests.cli.test_diff import GIT_ENV, git
from tests.conftest import PROJECT_DIR

PROMOTE = PROJECT_DIR / ".github/workflows/promote.yml"
NOTIFY = PROJECT_DIR / ".github/scripts/notify-slack.sh"
SUMMARY = PROJECT_DIR / ".github/scripts/traffic-summary.py"


def run_script(name: str) -> str:
    steps = yaml.safe_load(PROMOTE.read_text())["jobs"]["promote"]["steps"]
    (found,) = [step for step in steps if step.get("name") == name]
    script: str = found["run"]
    return script


@pytest.fixture
def checkout(project_copy: Path, tmp_path: Path) -> Path:
    """The project copy as the workflow's checkout: a git repository whose origin is a bare
    repository standing in for GitHub, with .venv beside it."""
    for package in ("novactl", "policies"):
        shutil.copytree(PROJECT_DIR / package, project_copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    (project_copy / ".venv").symlink_to(PROJECT_DIR / ".venv")
    (project_copy / ".gitignore").write_text(".venv\n")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(origin)], check=True)
    git(project_copy, "init", "--quiet", "--initial-branch=main")
    git(project_copy, "add", "-A")
    git(project_copy, "commit", "--quiet", "-m", "base")
    git(project_copy, "remote", "add", "origin", str(origin))
    git(project_copy, "push", "--quiet", "origin", "HEAD:main")
    return project_copy


def bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, **GIT_ENV, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def active(checkout: Path, service: str) -> str:
    document = yaml.safe_load((checkout / "Pulumi.staging.yaml").read_text())
    colour: str = document["config"]["nova-platform:services"][service]["active"]
    return colour


def test_a_failed_switch_is_rolled_back_to_the_previous_colour(checkout, tmp_path):
    github_env = tmp_path / "github_env"
    github_env.write_text("")
    env = {"STACK": "staging", "SERVICE": "feed-service", "TAG": "2.3.0", "GITHUB_ENV": str(github_env)}
    assert active(checkout, "feed-service") == "green"

    switched = bash(run_script("3. novactl switch"), checkout, env)
    assert switched.returncode == 0, switched.stdout + switched.stderr
    assert active(checkout, "feed-service") == "blue"
    assert github_env.read_text() == "PREVIOUS_COLOR=green\n"

    # The switch's `pulumi up` failed (the analysis Job saw errors): the rollback step runs.
    previous = dict(line.split("=", 1) for line in github_env.read_text().splitlines())
    rolled = bash(run_script("4. roll back (the switch's pulumi up failed)"), checkout, {**env, **previous})
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert active(checkout, "feed-service") == "green"
    log = subprocess.run(
        ["git", "-C", str(checkout), "log", "--format=%s", "origin/main"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert log[:2] == [
        "rollback(staging): feed-service back to green after a failed switch to 2.3.0",
        "switch(staging): feed-service to the colour running 2.3.0",
    ]


class _Webhook(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A Slack incoming webhook stand-in on loopback, recording what it receives."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    _Webhook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/services/T0/B0/secret-part", _Webhook.received
    finally:
        server.shutdown()


@pytest.mark.parametrize(("outcome", "icon"), [("success", ":white_check_mark:"), ("failure", ":x:")])
def test_the_slack_message_says_the_outcome_and_never_prints_the_webhook(webhook, outcome, icon):
    url, received = webhook
    env = {
        "SLACK_WEBHOOK_URL": url,
        "OUTCOME": outcome,
        "STACK": "staging",
        "TITLE": "promote feed-service 2.5.0",
        "SUMMARY": "feed-service: green 2.4.0 -> blue 2.5.0",
        "COMMIT": "0123abc",
        "RUN_URL": "https://github.com/proerror/nova-platform/actions/runs/1",
    }
    result = bash(str(NOTIFY), PROJECT_DIR, env)
    assert result.returncode == 0, result.stderr
    assert "secret-part" not in result.stdout + result.stderr
    (message,) = received
    assert message["text"] == f"{icon} staging: promote feed-service 2.5.0 {outcome}"
    body = json.dumps(message["blocks"])
    assert "feed-service: green 2.4.0 -> blue 2.5.0" in body
    assert "0123abc" in body


def test_without_a_webhook_the_message_is_skipped_and_the_deployment_goes_on():
    env = {"OUTCOME": "success", "STACK": "staging", "COMMIT": "x", "RUN_URL": "y", "SLACK_WEBHOOK_URL": ""}
    result = bash(str(NOTIFY), PROJECT_DIR, env)
    assert result.returncode == 0
    assert "No Slack webhook for staging" in result.stdout


def test_the_traffic_summary_names_the_services_whose_live_colour_or_tag_moved(tmp_path):
    before = tmp_path / "before.yaml"
    shutil.copy(PROJECT_DIR / "Pulumi.staging.yaml", before)
    after = tmp_path / "after.yaml"
    after.write_text(
        before.read_text().replace("    feed-service:\n      active: green", "    feed-service:\n      active: blue")
    )
    assert summarise(before, after) == (
        "feed-service: green 2.4.0 -> blue 2.3.0; tags {'blue': '2.3.0', 'green': '2.4.0'}"
    )
    assert summarise(before, before) == "no traffic changes"
    assert summarise(tmp_path / "missing.yaml", before).count("\n") == 12, "every service is new"


def summarise(before: Path, after: Path) -> str:
    result = subprocess.run(
        [str(PROJECT_DIR / ".venv/bin/python"), str(SUMMARY), str(before), str(after)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()
