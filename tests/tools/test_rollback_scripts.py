"""The one rollback's scripts (.github/actions/rollback) run for real, on a copy of the project
whose origin is a bare repository: promote's path, deploy's path, and the outcome it reports."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import PROJECT_DIR
from tests.kube import write_kubeconfig
from tests.support import GIT_ENV, bash, git, novactl, promote_step


def active(checkout: Path, service: str) -> str:
    document = yaml.safe_load((checkout / "Pulumi.staging.yaml").read_text())
    color: str = document["config"]["nova-platform:services"][service]["active"]
    return color


ROLL_BACK = PROJECT_DIR / ".github/scripts/roll-back.sh"
OUTCOME = PROJECT_DIR / ".github/scripts/rollback-outcome.sh"


def origin_log(checkout: Path) -> list[str]:
    return git(checkout, "log", "--format=%s", "origin/main").splitlines()


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def test_a_failed_switch_of_promote_is_rolled_back_by_the_one_rollback(checkout, tmp_path):
    github_env, github_output = tmp_path / "github_env", tmp_path / "github_output"
    github_env.write_text("")
    github_output.write_text("")
    env = {"STACK": "staging", "SERVICE": "feed-service", "TAG": "2.3.0", "GITHUB_ENV": str(github_env)}
    assert active(checkout, "feed-service") == "green"

    switched = bash(promote_step("3. novactl switch"), checkout, env)
    assert switched.returncode == 0, switched.stdout + switched.stderr
    assert active(checkout, "feed-service") == "blue"
    before_switch = outputs(github_env)["BEFORE_SWITCH"]

    # The switch's `pulumi up` failed (the analysis Job saw errors): the rollback runs.
    rolled = bash(str(ROLL_BACK), checkout, {**env, "SINCE": before_switch, "GITHUB_OUTPUT": str(github_output)})
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert outputs(github_output) == {"moved": "true"}
    assert active(checkout, "feed-service") == "green"
    assert origin_log(checkout)[:2] == [
        f"rollback(staging): traffic as at {before_switch}",
        "switch(staging): feed-service to blue, the colour running 2.3.0",
    ]


def test_a_deploy_of_a_merged_switch_and_canary_is_rolled_back_by_the_same_rollback(checkout, tmp_path):
    base = git(checkout, "rev-parse", "HEAD")
    # What a merged pull request brought: a switch and a canary, deployed by deploy.yml.
    for verb in (["switch", "staging", "feed-service", "blue"], ["canary", "staging", "graphql-gateway"]):
        done = novactl(*verb, "--commit", cwd=checkout, env=GIT_ENV)
        assert done.returncode == 0, done.stderr
    git(checkout, "push", "--quiet", "origin", "HEAD:main")
    github_output = tmp_path / "github_output"
    github_output.write_text("")
    env = {"STACK": "staging", "SINCE": base, "GITHUB_OUTPUT": str(github_output)}
    rolled = bash(str(ROLL_BACK), checkout, env)
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert outputs(github_output) == {"moved": "true"}
    assert origin_log(checkout)[0] == f"rollback(staging): traffic as at {base}"
    document = yaml.safe_load((checkout / "Pulumi.staging.yaml").read_text())["config"]["nova-platform:services"]
    assert document["feed-service"]["active"] == "green"
    assert "canary" not in document["graphql-gateway"]
    # Run again (a re-run of the job): nothing moved since the rollback's own commit.
    github_output.write_text("")
    again = bash(str(ROLL_BACK), checkout, {**env, "SINCE": "HEAD"})
    assert again.returncode == 0, again.stderr
    assert outputs(github_output) == {"moved": "false", "outcome": "none"}


def test_a_rollback_whose_cluster_cannot_be_read_is_reported_as_failed(checkout, tmp_path):
    github_output, summary = tmp_path / "github_output", tmp_path / "summary"
    github_output.write_text("")
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:9", "nova-staging", "token")
    env = {
        "STACK": "staging",
        "GITHUB_OUTPUT": str(github_output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "KUBECONFIG": str(kubeconfig),
    }
    result = bash(str(OUTCOME), checkout, env)
    assert result.returncode == 0, result.stderr
    assert outputs(github_output) == {"outcome": "rollback failed"}
    assert "ROLLBACK FAILED on staging" in summary.read_text()
    assert "::error::ROLLBACK FAILED on staging" in result.stdout
