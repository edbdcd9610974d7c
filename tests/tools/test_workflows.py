"""The GitHub workflows: actionlint passes, and the delivery rules hold in every file."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT_DIR

ACTIONLINT = Path(sys.executable).with_name("actionlint")
WORKFLOWS = sorted((PROJECT_DIR / ".github" / "workflows").glob("*.yml"))
LOCAL_ACTIONS = sorted((PROJECT_DIR / ".github" / "actions").glob("*/action.yml"))
# owner/repo@<commit> # vX.Y.Z: a tag can be moved, a commit cannot; the comment says which
# release it is, for the person (and the bot) who bumps it.
PINNED_LINE = re.compile(r"uses: [\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def load(path: Path) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text())
    return document


def actionlint(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ACTIONLINT), "-shellcheck", shutil.which("shellcheck") or "", "-no-color"],
        capture_output=True,
        text=True,
        check=False,
        cwd=folder,
    )


def test_actionlint_passes_on_every_workflow():
    assert shutil.which("shellcheck"), "make tools installs shellcheck; actionlint checks run: scripts with it"
    assert {path.name for path in WORKFLOWS} == {
        "preview.yml",
        "preview-comment.yml",
        "deploy.yml",
        "promote.yml",
        "performance-baseline.yml",
        "performance-compare.yml",
        "announce-cancelled.yml",
    }
    result = actionlint(PROJECT_DIR)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_fails_a_broken_workflow(tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n"
        "    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n        shell: bash\n"
        "      - uses: actions/checkout@v6\n        with:\n          fetch-dept: 0\n"
    )
    subprocess.run(["git", "init", "--quiet"], cwd=tmp_path, check=True)
    result = actionlint(tmp_path)
    assert result.returncode != 0
    assert "fetch-dept" in result.stdout
    assert "github.event.pull_request.title" in result.stdout  # script injection


def uses(document: Any) -> list[str]:
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "uses" and isinstance(value, str):
                found.append(value)
            else:
                found += uses(value)
    elif isinstance(document, list):
        for item in document:
            found += uses(item)
    return found


@pytest.mark.parametrize("path", WORKFLOWS + LOCAL_ACTIONS, ids=lambda path: path.parent.name + "/" + path.name)
def test_third_party_actions_are_pinned_by_commit_and_nothing_runs_kubectl(path):
    text = path.read_text()
    lines = [line.strip().removeprefix("- ") for line in text.splitlines() if re.match(r"\s*(- )?uses: ", line)]
    assert lines
    for line in lines:
        if not line.startswith("uses: ./"):
            assert PINNED_LINE.fullmatch(line), f"{line!r} is not pinned by commit with its version"
    assert "kubectl" not in text
    assert "aws-access-key-id" not in text, "AWS through OIDC only"
    assert "AWS_SECRET_ACCESS_KEY" not in text


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_workflow_declares_least_privilege_permissions(path):
    document = load(path)
    assert "permissions" in document, "top-level permissions, so no job inherits the default token"
    assert document["permissions"] in ({}, {"contents": "read"})
    for name, job in document["jobs"].items():
        granted = job.get("permissions", {})
        if granted.get("id-token") == "write":
            steps = " ".join(uses(job))
            assert "./.github/actions/pulumi" in steps, f"{name} takes an OIDC token it does not use"


def test_preview_runs_checks_and_diffs_for_every_stack_and_guards_the_real_preview():
    jobs = load(PROJECT_DIR / ".github/workflows/preview.yml")["jobs"]
    assert jobs["offline"]["strategy"]["matrix"]["stack"] == ["dev", "staging", "production"]
    runs = " ".join(step.get("run", "") for step in jobs["offline"]["steps"])
    assert 'novactl check "$STACK"' in runs
    assert 'novactl diff "$STACK" --base "$BASE" --format markdown' in runs
    assert "permissions" not in jobs["offline"], "the offline jobs run with the read-only token (forks too)"
    preview = jobs["pulumi-preview"]
    assert preview["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    # The PR's own code meets the credentials only through the reviewed `preview` environment.
    assert preview["environment"] == "preview"
    (pulumi,) = [step for step in preview["steps"] if step.get("uses") == "./.github/actions/pulumi"]
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["comment-on-pr"] == "true"


def test_the_comment_workflow_never_runs_pull_request_code_and_finds_the_pr_itself():
    document = load(PROJECT_DIR / ".github/workflows/preview-comment.yml")
    names = {load(path)["name"]: path.name for path in WORKFLOWS}
    assert document[True] == {"workflow_run": {"workflows": ["Preview"], "types": ["completed"]}}
    assert names["Preview"] == "preview.yml"
    steps = document["jobs"]["comment"]["steps"]
    (checkout,) = [step for step in steps if step.get("uses", "").startswith("actions/checkout@")]
    assert "ref" not in checkout["with"], "the default branch: the lookup script is main's"
    assert checkout["with"]["sparse-checkout"] == ".github/scripts"
    lookup = step(steps, "The pull request of this commit")
    assert "pr-for-run.py" in lookup["run"]
    assert lookup["env"]["HEAD_SHA"] == "${{ github.event.workflow_run.head_sha }}"
    (sticky,) = [item for item in steps if item.get("uses", "").startswith("marocchino/sticky-pull-request-comment@")]
    assert sticky["with"]["number"] == "${{ steps.pr.outputs.number }}"
    assert sticky["with"]["header"] == "novactl-diff"
    # The artifact the Preview run uploads is the one the comment downloads.
    (download,) = [item for item in steps if item.get("uses", "").startswith("actions/download-artifact@")]
    assert download["with"]["name"] in [
        uploaded["with"]["name"] for uploaded in artifacts(load(PROJECT_DIR / ".github/workflows/preview.yml"))
    ]


def artifacts(document: Any) -> list[dict[str, Any]]:
    return [step for step in steps_of(document) if step.get("uses", "").startswith("actions/upload-artifact@")]


def steps_of(document: Any) -> list[dict[str, Any]]:
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_performance_baseline_is_reusable_and_also_runs_here():
    document = load(PROJECT_DIR / ".github/workflows/performance-baseline.yml")
    triggers = document[True]
    assert triggers["push"] == {"branches": ["main"]}
    assert triggers["pull_request"] == {"branches": ["main"]}
    inputs = triggers["workflow_call"]["inputs"]
    assert {"suite", "command", "results", "threshold", "runner"} <= set(inputs)
    assert all(inputs[name]["required"] for name in ("suite", "command", "results"))
    assert inputs["threshold"]["default"] == "10%"
    # This repository's own run: the render benchmark writes the file the results default names.
    benchmark = document["jobs"]["benchmark"]
    (run,) = [step for step in benchmark["steps"] if step.get("name") == "Run the benchmarks"]
    command = run["env"]["COMMAND"]
    assert "benchmarks/render.py --json perf-results.json" in command
    (keep,) = [step for step in benchmark["steps"] if step.get("name") == "Keep the results"]
    assert keep["env"]["RESULTS"] == "${{ inputs.results || 'perf-results.json' }}"


def test_the_benchmark_never_runs_where_the_influx_token_is():
    document = load(PROJECT_DIR / ".github/workflows/performance-baseline.yml")
    jobs = document["jobs"]
    benchmark, baseline = jobs["benchmark"], jobs["baseline"]
    text = yaml.safe_dump(benchmark)
    assert "secrets." not in text
    assert "environment" not in benchmark
    assert benchmark["permissions"] == {"contents": "read"}
    # The write token's job: pushes to the baseline branch only, on a runner of its own that
    # can reach a private InfluxDB, novactl from a trusted checkout, only the results artifact.
    assert baseline["needs"] == "benchmark"
    assert baseline["if"].startswith("github.event_name == 'push'")
    assert baseline["runs-on"] == "${{ inputs.baseline-runner || 'ubuntu-24.04' }}"
    assert "baseline-runner" in document[True]["workflow_call"]["inputs"]
    assert "INFLUX_TOKEN" not in baseline["env"]
    (checkout,) = [item for item in baseline["steps"] if item.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["path"] == "nova-platform"
    assert "head" not in checkout["with"]["ref"]
    assert "COMMAND" not in yaml.safe_dump(baseline)
    assert "inputs.command" not in yaml.safe_dump(baseline)
    assert [item.get("name") for item in baseline["steps"] if "INFLUX_TOKEN" in item.get("env", {})] == [
        "Record the run"
    ]


def test_pull_requests_are_compared_from_a_workflow_run_with_a_read_only_token():
    document = load(PROJECT_DIR / ".github/workflows/performance-compare.yml")
    assert document[True]["workflow_run"] == {"workflows": ["Performance baseline"], "types": ["completed"]}
    assert "workflow_call" in document[True], "callers' own workflow_run workflows reuse it"
    assert document["permissions"] == {}
    job = document["jobs"]["compare"]
    assert job["if"] == (
        "github.event.workflow_run.event == 'pull_request' && github.event.workflow_run.conclusion == 'success'"
    )
    assert job["environment"] == "${{ inputs.environment || 'performance-read' }}"
    steps = job["steps"]
    tokens = [item.get("name") for item in steps if "INFLUX_TOKEN" in item.get("env", {})]
    assert tokens == ["Compare with the baseline"]
    assert step(steps, "Compare with the baseline")["env"]["INFLUX_TOKEN"] == "${{ secrets.INFLUX_READ_TOKEN }}"
    # Nothing of the PR runs here: novactl and the scripts are the platform's, the results a file.
    (checkout,) = [item for item in steps if item.get("uses", "").startswith("actions/checkout@")]
    assert "head" not in checkout["with"]["ref"]
    assert "pr-for-run.py" in step(steps, "The pull request of this commit")["run"]
    assert "COMMAND" not in yaml.safe_dump(job)
    # A fork's PR is compared too: no condition on where the head repository is.
    assert "head_repository" not in job["if"]


def test_the_pulumi_action_uses_the_official_action_with_the_policy_pack():
    steps = load(PROJECT_DIR / ".github/actions/pulumi/action.yml")["runs"]["steps"]
    (pulumi,) = [step for step in steps if step.get("uses", "").startswith("pulumi/actions@")]
    assert pulumi["uses"] == "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d"  # v7.0.0
    assert pulumi["with"]["policyPacks"] == "policies"
    assert pulumi["with"]["cloud-url"] == "${{ inputs.backend-url }}"
    (aws,) = [step for step in steps if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert set(aws["with"]) == {"role-to-assume", "aws-region", "role-session-name"}


def test_deploy_goes_to_staging_then_to_production_behind_its_environment():
    jobs = load(PROJECT_DIR / ".github/workflows/deploy.yml")["jobs"]
    assert jobs["production"]["needs"] == "staging"
    assert jobs["production"]["environment"] == "production"
    # Only main deploys: a dispatch from another branch runs neither job.
    assert jobs["staging"]["if"] == "github.ref == 'refs/heads/main'"
    for stack in ("staging", "production"):
        assert jobs[stack]["concurrency"] == {"group": f"pulumi-{stack}", "cancel-in-progress": False}
        (pulumi,) = [step for step in jobs[stack]["steps"] if step.get("uses") == "./.github/actions/pulumi"]
        assert (pulumi["with"]["stack"], pulumi["with"]["command"]) == (stack, "up")


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_a_deploy_that_waited_deploys_only_if_its_commit_is_still_mains_tip(stack):
    steps = load(PROJECT_DIR / ".github/workflows/deploy.yml")["jobs"][stack]["steps"]
    tip = step(steps, "Still main's tip?")
    assert tip["id"] == "tip"
    assert tip["run"] == ".github/scripts/main-tip.sh"
    assert tip["env"]["RUN_SHA"] == "${{ github.sha }}"
    order = [item.get("name", item.get("uses", "")) for item in steps]
    pulumi_index = order.index(f"pulumi up ({stack})")
    assert steps[pulumi_index]["uses"] == "./.github/actions/pulumi"
    assert order.index("Still main's tip?") < order.index(f"novactl check {stack}") < pulumi_index
    assert steps[pulumi_index]["if"] == "steps.tip.outputs.stale == 'false'"
    assert step(steps, f"novactl check {stack}")["if"] == "steps.tip.outputs.stale == 'false'"
    assert (
        step(steps, "Tell Slack")["env"]["OUTCOME"]
        == "${{ steps.tip.outputs.stale == 'true' && 'skipped' || job.status }}"
    )


def test_promote_releases_rolls_out_then_optionally_switches():
    document = load(PROJECT_DIR / ".github/workflows/promote.yml")
    inputs = document[True]["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"stack", "service", "tag", "switch_traffic"}
    assert inputs["switch_traffic"]["type"] == "boolean"
    assert document["concurrency"] == {"group": "pulumi-${{ inputs.stack }}", "cancel-in-progress": False}
    steps = document["jobs"]["promote"]["steps"]
    order = [step.get("name", step.get("uses", "")) for step in steps]
    release = order.index("1. novactl release")
    first_up = order.index("2. pulumi up (roll out and smoke-test the new colour)")
    switch = order.index("3. novactl switch")
    assert release < first_up < switch < order.index("3. pulumi up (move the traffic, then the analysis watches it)")
    assert steps[switch]["if"] == "inputs.switch_traffic"
    assert 'novactl switch "$STACK" "$SERVICE" --to-tag "$TAG"' in steps[switch]["run"]


SKIPPED_WHEN_STALE = "${{ steps.tip.outputs.stale == 'true' && 'skipped' || job.status }}"


def step(steps: list[dict[str, Any]], name: str) -> dict[str, Any]:
    (found,) = [item for item in steps if item.get("name") == name]
    return found


ROLLBACK_IF = "(failure() || cancelled()) && (steps.{0}.outcome == 'failure' || steps.{0}.outcome == 'cancelled')"


def assert_the_one_rollback(steps: list[dict[str, Any]], up_id: str, since: str) -> dict[str, Any]:
    """The rollback step of a job: .github/actions/rollback after `up_id` failed or was cancelled."""
    (rollback,) = [item for item in steps if item.get("id") == "rollback"]
    assert rollback["uses"] == "./.github/actions/rollback"
    assert rollback["if"] == ROLLBACK_IF.format(up_id)
    assert rollback["with"]["since"] == since
    order = [item.get("id") for item in steps]
    assert order.index(up_id) < order.index("rollback")
    title = step(steps, "Tell Slack")["env"]["TITLE"]
    assert "steps.rollback.outputs.outcome == 'rolled back'" in title
    assert "ROLLBACK FAILED" in title
    for item in steps:
        assert "git push" not in item.get("run", ""), "every push goes through push-main.sh"
    return rollback


def test_promote_rolls_back_when_the_switch_fails_and_never_fixes_forward():
    steps = load(PROJECT_DIR / ".github/workflows/promote.yml")["jobs"]["promote"]["steps"]
    switched = step(steps, "3. pulumi up (move the traffic, then the analysis watches it)")
    assert switched["id"] == "switched"
    assert 'echo "BEFORE_SWITCH=$(git rev-parse HEAD)"' in step(steps, "3. novactl switch")["run"]
    assert_the_one_rollback(steps, "switched", "${{ env.BEFORE_SWITCH }}")
    assert not [item for item in steps if "release" in item.get("run", "") and "failure()" in item.get("if", "")], (
        "no automatic fix forward"
    )


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_a_deploy_whose_update_fails_after_a_merged_switch_rolls_back_too(stack):
    job = load(PROJECT_DIR / ".github/workflows/deploy.yml")["jobs"][stack]
    assert job["permissions"]["contents"] == "write", "the rollback's commit"
    assert_the_one_rollback(job["steps"], "up", "${{ github.event.before || 'HEAD~1' }}")


def test_the_one_rollback_puts_back_pushes_updates_and_reads_the_cluster():
    action = load(PROJECT_DIR / ".github/actions/rollback/action.yml")
    steps = action["runs"]["steps"]
    assert [item.get("id") for item in steps] == ["commit", "up", "report"]
    assert steps[0]["run"] == ".github/scripts/roll-back.sh"
    assert steps[1]["uses"] == "./.github/actions/pulumi"
    assert steps[1]["with"]["command"] == "up"
    assert steps[1]["continue-on-error"] is True, "the cluster, not the update, says whether traffic is back"
    assert steps[2]["run"] == ".github/scripts/rollback-outcome.sh"
    assert (
        'novactl rollback "$STACK" --since "$SINCE" --commit'
        in (PROJECT_DIR / ".github/scripts/roll-back.sh").read_text()
    )


@pytest.mark.parametrize(
    ("workflow", "jobs"), [("deploy.yml", ("staging", "production")), ("promote.yml", ("promote",))]
)
def test_every_deployment_is_announced_in_slack_whatever_its_outcome(workflow, jobs):
    document = load(PROJECT_DIR / ".github/workflows" / workflow)
    for job in jobs:
        steps = document["jobs"][job]["steps"]
        notify = steps[-1]
        assert notify["name"] == "Tell Slack"
        assert notify["if"].startswith("always()")
        assert notify["env"]["SLACK_WEBHOOK_URL"] == "${{ secrets.SLACK_DEPLOY_WEBHOOK_URL }}"
        assert notify["env"]["OUTCOME"] in ("${{ job.status }}", SKIPPED_WHEN_STALE)
        assert notify["continue-on-error"] is True, "Slack being down never fails a deployment"
        assert ".github/scripts/notify-slack.sh" in notify["run"]
        assert "SLACK_WEBHOOK_URL" not in notify["run"], "the webhook is read by the script, never echoed"


def test_a_run_cancelled_while_it_waited_is_announced():
    document = load(PROJECT_DIR / ".github/workflows/announce-cancelled.yml")
    names = {load(path)["name"] for path in WORKFLOWS}
    assert document[True] == {"workflow_run": {"workflows": ["Deploy", "Promote"], "types": ["completed"]}}
    assert {"Deploy", "Promote"} <= names
    job = document["jobs"]["announce"]
    assert job["if"] == "github.event.workflow_run.conclusion == 'cancelled'"
    (announce,) = [item for item in job["steps"] if "run" in item]
    assert ".github/scripts/notify-slack.sh" in announce["run"]
    assert announce["env"]["OUTCOME"] == "cancelled"
    assert "${{" not in announce["run"], "the run's title reaches the script through the environment only"
    assert load(PROJECT_DIR / ".github/workflows/promote.yml")["run-name"].startswith("Promote ${{ inputs.service }}")
