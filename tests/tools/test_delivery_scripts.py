"""The workflows' scripts run for real: pushes to a bare origin, the Slack notification against a
webhook on loopback, the traffic summary and the PR lookup (the rollback's: test_rollback_scripts.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.conftest import PROJECT_DIR
from tests.http_stub import QuietHandler, serving
from tests.support import GIT_ENV, bash, git

NOTIFY = PROJECT_DIR / ".github/scripts/notify-slack.sh"
PUSH_MAIN = PROJECT_DIR / ".github/scripts/push-main.sh"
MAIN_TIP = PROJECT_DIR / ".github/scripts/main-tip.sh"
SUMMARY = PROJECT_DIR / ".github/scripts/traffic-summary.py"


class _Webhook(QuietHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server names it
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A Slack incoming webhook stand-in on loopback, recording what it receives."""
    _Webhook.received = []
    with serving(_Webhook) as url:
        yield f"{url}/services/T0/B0/secret-part", _Webhook.received


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
    assert "feed-service: green 2.4.0 -&gt; blue 2.5.0" in body, "Slack's mrkdwn escaping"
    assert "0123abc" in body


def test_without_a_webhook_the_message_is_skipped_and_the_deployment_goes_on():
    env = {"OUTCOME": "success", "STACK": "staging", "COMMIT": "x", "RUN_URL": "y", "SLACK_WEBHOOK_URL": ""}
    result = bash(str(NOTIFY), PROJECT_DIR, env)
    assert result.returncode == 0
    assert "No Slack webhook for staging" in result.stdout


def test_the_traffic_summary_names_the_services_whose_live_color_or_tag_moved(tmp_path):
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


SLACK_ENV = {
    "STACK": "staging",
    "COMMIT": "0123abc",
    "RUN_URL": "https://github.com/proerror/nova-platform/actions/runs/1",
}


def test_user_text_cannot_mention_the_channel_or_forge_a_link(webhook):
    url, received = webhook
    env = {
        **SLACK_ENV,
        "SLACK_WEBHOOK_URL": url,
        "OUTCOME": "success",
        "TITLE": "promote <!channel> <https://evil.example|feed-service> 2.5.0 & more",
        "SUMMARY": "<!here> look",
    }
    result = bash(str(NOTIFY), PROJECT_DIR, env)
    assert result.returncode == 0, result.stderr
    (message,) = received
    text = json.dumps(message)
    assert "<!channel>" not in text
    assert "<!here>" not in text
    assert "<https://evil.example" not in text
    assert "&lt;!channel&gt; &lt;https://evil.example|feed-service&gt; 2.5.0 &amp; more" in message["text"]
    assert "<https://github.com/proerror/nova-platform/actions/runs/1|run>" in text, "our own link stays a link"


def test_a_slack_outage_is_a_warning_in_the_summary_never_a_failed_deployment(tmp_path):
    summary = tmp_path / "summary.md"
    env = {
        **SLACK_ENV,
        "SLACK_WEBHOOK_URL": "http://127.0.0.1:9/services/T0/B0/secret-part",
        "OUTCOME": "success",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    result = bash(str(NOTIFY), PROJECT_DIR, env)
    assert result.returncode == 0, result.stderr
    assert "::warning::Slack did not take the staging deployment message" in result.stdout
    assert "nobody was told there" in summary.read_text()
    assert "secret-part" not in result.stdout + result.stderr + summary.read_text()


def _clone(origin: Path, folder: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(origin), str(folder)], check=True, env={**os.environ, **GIT_ENV})
    return folder


def _commit_line(checkout: Path, old: str, new: str, message: str) -> None:
    path = checkout / "Pulumi.staging.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    git(checkout, "commit", "--quiet", "-am", message)


def test_a_push_rebases_onto_what_landed_meanwhile(checkout, tmp_path):
    other = _clone(checkout.parent.parent / "origin.git" if False else tmp_path / "origin.git", tmp_path / "other")
    _commit_line(
        other, "nova-platform:namespace: nova-staging", "nova-platform:namespace: nova-staging # merged", "a merge"
    )
    git(other, "push", "--quiet", "origin", "HEAD:main")
    _commit_line(checkout, 'blue: "2.3.0"', 'blue: "2.3.1"', "rollback(staging): feed-service")
    pushed = bash(str(PUSH_MAIN), checkout, {"PUSH_BACKOFF_SECONDS": "0"})
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert "main moved on: rebasing onto it (try 1 of 5)" in pushed.stdout
    assert git(checkout, "log", "--format=%s", "origin/main").splitlines()[:2] == [
        "rollback(staging): feed-service",
        "a merge",
    ]


def test_a_push_that_conflicts_stops_loudly_and_leaves_main_alone(checkout, tmp_path):
    other = _clone(tmp_path / "origin.git", tmp_path / "other")
    _commit_line(other, 'blue: "2.3.0"', 'blue: "2.3.9"', "someone else")
    git(other, "push", "--quiet", "origin", "HEAD:main")
    _commit_line(checkout, 'blue: "2.3.0"', 'blue: "2.3.1"', "ours")
    pushed = bash(str(PUSH_MAIN), checkout, {"PUSH_BACKOFF_SECONDS": "0"})
    assert pushed.returncode == 1
    assert "conflicts with what landed on main meanwhile" in pushed.stderr
    top = subprocess.run(
        ["git", "-C", str(checkout), "log", "-1", "--format=%s", "origin/main"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert top == "someone else"


def test_a_deploy_that_is_no_longer_mains_tip_deploys_nothing_and_says_why(checkout, tmp_path):
    run_sha = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    outputs, summary = tmp_path / "out", tmp_path / "summary.md"
    env = {
        "RUN_SHA": run_sha,
        "STACK": "production",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    current = bash(str(MAIN_TIP), checkout, env)
    assert current.returncode == 0, current.stderr
    assert outputs.read_text() == "stale=false\n"
    # A promotion pushed its release and switch commits while this run waited for approval.
    other = _clone(tmp_path / "origin.git", tmp_path / "other")
    _commit_line(other, 'blue: "2.3.0"', 'blue: "2.5.0"', "release(production): feed-service 2.5.0")
    git(other, "push", "--quiet", "origin", "HEAD:main")
    outputs.write_text("")
    stale = bash(str(MAIN_TIP), checkout, env)
    assert stale.returncode == 0, stale.stderr
    assert outputs.read_text() == "stale=true\n"
    assert f"Not deploying {run_sha[:12]} to production: main is at" in summary.read_text()


PR_FOR_RUN = PROJECT_DIR / ".github/scripts/pr-for-run.py"
HEAD = "a" * 40


class _PullsApi(QuietHandler):
    pulls: ClassVar[list[dict[str, Any]]] = []
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server names it
        self.asked.append(self.path)
        self.send_json(self.pulls)


@pytest.fixture
def pulls_api() -> Iterator[str]:
    """GitHub's `GET /repos/{repo}/pulls` on loopback, answering with _PullsApi.pulls."""
    _PullsApi.asked = []
    with serving(_PullsApi) as url:
        yield url


def find_pr(api: str, tmp_path: Path, claimed: str) -> tuple[subprocess.CompletedProcess[str], str]:
    output = tmp_path / "github_output"
    output.write_text("")
    env = {
        "GITHUB_API_URL": api,
        "GITHUB_TOKEN": "token-never-printed",
        "REPOSITORY": "proerror/nova-platform",
        "HEAD_OWNER": "a-fork",
        "HEAD_BRANCH": "feature",
        "HEAD_SHA": HEAD,
        "CLAIMED": claimed,
        "GITHUB_OUTPUT": str(output),
    }
    result = subprocess.run(
        [sys.executable, str(PR_FOR_RUN)], env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    return result, output.read_text()


def test_the_pr_comes_from_the_api_by_the_runs_own_head_commit(pulls_api, tmp_path):
    _PullsApi.pulls = [{"number": 7, "head": {"sha": HEAD}}, {"number": 8, "head": {"sha": "b" * 40}}]
    result, output = find_pr(pulls_api, tmp_path, claimed="7")
    assert result.returncode == 0, result.stderr
    assert output == "number=7\n"
    (asked,) = _PullsApi.asked
    assert asked.startswith("/repos/proerror/nova-platform/pulls?")
    assert "head=a-fork%3Afeature" in asked


def test_a_forged_pr_number_in_the_artifact_is_refused(pulls_api, tmp_path):
    _PullsApi.pulls = [{"number": 7, "head": {"sha": HEAD}}]
    result, output = find_pr(pulls_api, tmp_path, claimed="1")
    assert result.returncode == 1
    assert "names pull request '1', but its commit aaaaaaaaaaaa is the head of #7: refusing" in result.stderr
    assert output == ""
    assert "token-never-printed" not in result.stdout + result.stderr


def test_a_run_whose_commit_is_no_longer_a_prs_head_posts_nothing(pulls_api, tmp_path):
    _PullsApi.pulls = [{"number": 7, "head": {"sha": "c" * 40}}]
    result, output = find_pr(pulls_api, tmp_path, claimed="7")
    assert result.returncode == 0, result.stderr
    assert output == "number=\n"
    assert "nothing to post" in result.stdout
