"""`novactl history`, `rollback` and `--commit`, on a project copy that is a git repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from components.conventions import ANALYSIS_REPORT_ONLY
from novactl.stack.edit import StackFileEditor
from novactl.stack.files import SERVICES_KEY
from tests.support import git, novactl


def subjects(project: Path) -> list[str]:
    log = subprocess.run(["git", "-C", str(project), "log", "--format=%s"], capture_output=True, text=True, check=True)
    return log.stdout.splitlines()


def ok(project: Path, *args: str) -> str:
    result = novactl(*args, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_commit_history_and_rollback_of_a_release_and_switch(repo):
    released = ok(repo, "release", "staging", "feed-service", "2.5.0", "--commit")
    assert "Committed " in released
    ok(repo, "switch", "staging", "feed-service", "blue", "--commit")
    assert subjects(repo)[:2] == [
        "switch(staging): feed-service to blue",
        "release(staging): feed-service 2.5.0 on the inactive colour",
    ]
    events = json.loads(ok(repo, "history", "staging", "feed-service", "--json"))
    kinds = [(event["kind"], event["before"]["active"], event["after"]["active"]) for event in events]
    assert kinds == [("added", "green", "green"), ("release", "green", "green"), ("switch", "green", "blue")]
    text = ok(repo, "history", "staging", "feed-service")
    assert "switch green -> blue (tag 2.5.0)" in text
    assert "release blue 2.3.0 -> 2.5.0" in text

    rolled = ok(repo, "rollback", "staging", "feed-service", "--commit")
    assert "feed-service: back to green, which served before the switch in" in rolled
    assert subjects(repo)[0] == "rollback(staging): feed-service back to green"
    assert "rollback blue -> green (tag 2.4.0)" in ok(repo, "history", "staging", "feed-service")


def test_rollback_refuses_a_color_whose_tag_changed_since(repo):
    ok(repo, "release", "staging", "feed-service", "2.5.0", "--commit")
    ok(repo, "switch", "staging", "feed-service", "blue", "--commit")
    ok(repo, "release", "staging", "feed-service", "2.6.0", "--commit")  # on green, now idle
    result = novactl("rollback", "staging", "feed-service", cwd=repo)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        "error: Pulumi.staging.yaml: nova-platform:services.feed-service.tags.green: green ran 2.4.0"
    )
    assert "and runs 2.6.0 now; that is a new release, not a rollback" in line


def test_rollback_refuses_a_color_whose_configuration_changed_since(repo):
    ok(repo, "release", "staging", "feed-service", "2.5.0", "--commit")
    ok(repo, "switch", "staging", "feed-service", "blue", "--commit")
    stack = repo / "Pulumi.staging.yaml"
    original = stack.read_text()
    # green (now idle) gets a variable of its own: it no longer runs what it ran when it served.
    edit = StackFileEditor(stack)
    edit.set_path(SERVICES_KEY, ["feed-service", "colorEnv", "green", "FEATURE_X"], "on", quoted=True)
    edit.save()
    result = novactl("rollback", "staging", "feed-service", cwd=repo)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: Pulumi.staging.yaml: nova-platform:services.feed-service.colorEnv.green: green's colorEnv changed "
        "since it served before the switch in "
    )
    assert stack.read_text().count("FEATURE_X") == 1, "refused: the stack file is as it was"
    # And a change to the service's own env (both colours) is named as such.
    stack.write_text(original)
    edit = StackFileEditor(stack)
    edit.set_path(SERVICES_KEY, ["feed-service", "env", "LOG"], "debug", quoted=True)
    edit.save()
    result = novactl("rollback", "staging", "feed-service", cwd=repo)
    assert "nova-platform:services.feed-service.env: green's env changed since it served" in result.stderr


def test_rollback_without_a_switch_in_history_is_refused(repo):
    result = novactl("rollback", "staging", "feed-service", cwd=repo)
    assert result.returncode == 2
    assert result.stderr == (
        "error: Pulumi.staging.yaml: nova-platform:services.feed-service.active: "
        "no switch in the git history of Pulumi.staging.yaml, so nothing to roll back to\n"
    )


def test_without_commit_the_next_line_says_to_commit(repo):
    out = ok(repo, "release", "staging", "feed-service", "2.5.0")
    assert "next: commit it (or use --commit), then pulumi up -s staging" in out


def test_history_reads_back_the_verb_that_commit_subject_wrote():
    from novactl.stack.history import commit_subject, subject_verb

    for verb in ("release", "switch", "canary", "rollback"):
        assert subject_verb(commit_subject(verb, "staging", "feed-service to blue")) == verb
    # A person's own words are not a verb's subject, even when they start with one.
    for subject in ("rollback of feed-service", "rollbacks (all of them)", "Revert (rollback): x", "fix(ci) x"):
        assert subject_verb(subject) is None, subject


def test_rollback_since_puts_back_every_move_of_traffic_and_reports_its_analysis_only(repo):
    base = git(repo, "rev-parse", "HEAD")
    ok(repo, "switch", "staging", "feed-service", "blue", "--commit")
    ok(repo, "canary", "staging", "graphql-gateway", "--pods", "1", "--commit")
    out = ok(repo, "rollback", "staging", "--since", base, "--commit", "--json")
    document = json.loads(out)
    assert document["messages"] == [
        f"feed-service: back to green, as at {base} (was blue)",
        f"graphql-gateway: back to blue, as at {base} (was blue)",
    ]
    assert subjects(repo)[0] == f"rollback(staging): traffic as at {base}"
    services = yaml.safe_load((repo / "Pulumi.staging.yaml").read_text())["config"]["nova-platform:services"]
    assert services["feed-service"]["active"] == "green"
    assert services["feed-service"]["rollback"] is True
    assert "canary" not in services["graphql-gateway"]
    # The analysis that watches green again reports only, and `pulumi up` does not wait for it.
    (analysis,) = [c for c in document["changes"] if c["name"] == "feed-service-analysis"]
    fields = {field["path"]: field["after"] for field in analysis["fields"]}
    assert fields["metadata.annotations"] == {"pulumi.com/skipAwait": "true"}
    assert ANALYSIS_REPORT_ONLY in fields["spec.template.spec.containers[0].args"]
    # Nothing moved since then: nothing to do, and the next switch is judged by its analysis again.
    assert "nothing to roll back" in ok(repo, "rollback", "staging", "--since", "HEAD")
    ok(repo, "switch", "staging", "feed-service", "blue")
    services = yaml.safe_load((repo / "Pulumi.staging.yaml").read_text())["config"]["nova-platform:services"]
    assert "rollback" not in services["feed-service"]


def test_rollback_since_refuses_a_color_that_changed_in_between(repo):
    base = git(repo, "rev-parse", "HEAD")
    ok(repo, "release", "staging", "feed-service", "2.5.0", "--commit")
    ok(repo, "switch", "staging", "feed-service", "blue", "--commit")
    ok(repo, "release", "staging", "feed-service", "2.6.0", "--commit")  # green, now idle, runs 2.6.0
    result = novactl("rollback", "staging", "--since", base, cwd=repo)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: Pulumi.staging.yaml: nova-platform:services.feed-service.tags.green: green's tag changed since "
    )
    bad = novactl("rollback", "staging", "--since", "no-such-ref", cwd=repo)
    assert bad.returncode == 2
    assert bad.stderr == "error: --since no-such-ref: no such commit, branch or tag (fetch it first?)\n"
