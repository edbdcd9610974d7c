"""`novactl diff`: the changes between a git ref and the working tree of a project copy."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support import git, novactl


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return novactl(*args, cwd=project)


def diff(project: Path, stack: str = "dev") -> dict[str, Any]:
    result = run(project, "diff", stack, "--base", "main", "--format", "json")
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def edit(project: Path, stack: str, old: str, new: str) -> None:
    path = project / f"Pulumi.{stack}.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def by_action(document: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [change for change in document["changes"] if change["action"] == action]


def test_no_change_is_an_empty_diff(repo):
    document = diff(repo)
    assert document["summary"] == {"create": 0, "update": 0, "replace": 0, "delete": 0}
    assert document["changes"] == []
    assert len(document["baseCommit"]) == 40


def edited(project: Path, *verb: str) -> list[dict[str, Any]]:
    """The plan an edit verb prints (`--json`), the edit written."""
    result = run(project, *verb, "--json")
    assert result.returncode == 0, result.stderr
    changes: list[dict[str, Any]] = json.loads(result.stdout)["changes"]
    return changes


def test_a_flip_is_exactly_one_update_of_one_selector(repo):
    planned = edited(repo, "switch", "staging", "feed-service", "blue")
    document = diff(repo, "staging")
    assert planned == document["changes"], "switch prints the plan diff prints, record for record"
    # Besides the selector, a new analysis Job watches the colour that took the traffic.
    (analysis,) = by_action(document, "replace")
    assert (analysis["type"], analysis["name"]) == ("kubernetes:batch/v1:Job", "feed-service-analysis")
    (change,) = by_action(document, "update")
    assert (change["action"], change["type"], change["name"], change["kind"], change["namespace"]) == (
        "update",
        "kubernetes:core/v1:Service",
        "feed-service",
        "Service",
        "nova-staging",
    )
    assert change["fields"] == [{"path": "spec.selector.nova.social/color", "before": "green", "after": "blue"}]


def test_a_release_updates_the_inactive_color_and_replaces_its_smoke_job(repo):
    planned = edited(repo, "release", "staging", "feed-service", "2.5.0")
    document = diff(repo, "staging")
    assert planned == document["changes"], "release prints the plan diff prints, record for record"
    (update,) = by_action(document, "update")
    (replace,) = by_action(document, "replace")
    assert document["summary"] == {"create": 0, "update": 1, "replace": 1, "delete": 0}
    assert (update["type"], update["name"]) == ("kubernetes:apps/v1:Deployment", "feed-service-blue")
    image = next(f for f in update["fields"] if f["path"].endswith(".image"))
    assert image == {
        "path": "spec.template.spec.containers[0].image",
        "before": "123456789012.dkr.ecr.us-west-2.amazonaws.com/nova/feed-service:2.3.0",
        "after": "123456789012.dkr.ecr.us-west-2.amazonaws.com/nova/feed-service:2.5.0",
    }
    inactive = update["name"]
    assert (replace["type"], replace["name"]) == ("kubernetes:batch/v1:Job", f"{inactive}-smoke")
    assert "spec.template cannot change in place" in replace["reasons"]
    assert "metadata.name cannot change in place" in replace["reasons"]


def test_an_added_service_is_all_creates(repo):
    edit(
        repo,
        "dev",
        "  nova-platform:services:\n",
        '  nova-platform:services:\n    wallet-service:\n      active: blue\n      tags:\n        blue: "0.1.0"\n',
    )
    document = diff(repo)
    created = {change["name"] for change in by_action(document, "create")}
    assert {"wallet-service", "wallet-service-blue", "wallet-service-blue-smoke", "nova-slo-wallet-service"} <= created
    assert by_action(document, "delete") == []
    assert by_action(document, "replace") == []


def test_a_removed_service_is_deleted(repo):
    path = repo / "Pulumi.dev.yaml"
    lines = path.read_text().splitlines(keepends=True)
    start = lines.index("    analytics-service:\n")
    end = start + 1
    while lines[end].startswith("      "):
        end += 1
    path.write_text("".join(lines[:start] + lines[end:]))
    document = diff(repo)
    deleted = {change["name"] for change in by_action(document, "delete")}
    assert {"analytics-service", "analytics-service-blue", "analytics-service-blue-smoke"} <= deleted
    assert by_action(document, "create") == []


def test_a_changed_helm_value_shows_the_field(repo):
    edit(repo, "dev", "    retentionDays: 3\n", "    retentionDays: 5\n")
    document = diff(repo)
    (change,) = document["changes"]
    assert (change["action"], change["name"]) == ("update", "loki")
    assert change["fields"] == [
        {"path": "values.loki.limits_config.retention_period", "before": "72h", "after": "120h"}
    ]


def test_a_changed_secret_shows_as_changed_and_stays_masked(repo):
    path = repo / "Pulumi.dev.yaml"
    path.write_text(path.read_text() + "  nova-platform:grafanaAdminPassword:\n    secure: v1:AAAAold\n")
    git(repo, "commit", "--quiet", "-am", "a secret")
    path.write_text(path.read_text().replace("v1:AAAAold", "v1:BBBBnew"))
    result = run(repo, "diff", "dev", "--base", "main")
    assert result.returncode == 0, result.stderr
    assert "+- replace  Secret monitoring/grafana-admin  (stringData cannot change in place)" in result.stdout
    assert "stringData: '[secret]' -> '[secret]'" in result.stdout
    for leaked in ("AAAAold", "BBBBnew", "offline-placeholder"):
        assert leaked not in result.stdout


def test_markdown_is_a_summary_table_with_folded_details(repo):
    run(repo, "switch", "staging", "feed-service", "blue")
    result = run(repo, "diff", "staging", "--base", "main", "--format", "markdown")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("### Stack `staging`: 2 change(s) against `main`")
    assert "| create | update | replace | delete |" in text
    assert "| 0 | 1 | 1 | 0 |" in text
    assert "| update | `feed-service` | `kubernetes:core/v1:Service` |" in text
    assert "<details><summary>update <code>feed-service</code> (1 field(s))</summary>" in text
    assert "spec.selector.nova.social/color: 'green' -> 'blue'" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("diff", "dev", "--base", "no-such-branch"), "--base no-such-branch: no such commit, branch or tag"),
        (("diff", "dev"), "the following arguments are required: --base"),
        (("diff", "dev", "--base", "main", "--format", "html"), "invalid choice: 'html'"),
    ],
)
def test_usage_errors_exit_2(repo, args, message):
    result = run(repo, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_project_outside_git_is_a_usage_error(project_copy):
    result = run(project_copy, "diff", "dev", "--base", "main")
    assert result.returncode == 2
    assert "is not in a git repository" in result.stderr


def test_a_base_that_does_not_render_fails_with_one_line(repo):
    edit(repo, "dev", "  nova-platform:namespace: nova-dev\n", "  nova-platform:namespace: Not_A_Label\n")
    git(repo, "commit", "--quiet", "-am", "a broken base")
    git(repo, "branch", "broken")
    edit(repo, "dev", "  nova-platform:namespace: Not_A_Label\n", "  nova-platform:namespace: nova-dev\n")
    result = run(repo, "diff", "dev", "--base", "broken")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert line.startswith("error: --base broken (")
    assert "does not render stack dev: Pulumi.dev.yaml: nova-platform:namespace:" in line


def test_a_null_in_a_chart_value_changes_nothing_and_check_refuses_it(repo):
    # The provider reads Helm values with nulls skipped, so `jaeger: null` can delete no chart
    # default: as the provider sees it, the diff is empty, and check names the null.
    tracing = repo / "components" / "builders" / "tracing.py"
    text = tracing.read_text()
    old = '"receivers": {\n            "otlp": {'
    assert text.count(old) == 1
    tracing.write_text(text.replace(old, '"receivers": {\n            "jaeger": None,\n            "otlp": {', 1))
    document = diff(repo)
    assert document["changes"] == []
    checked = run(repo, "check", "dev", "--json")
    assert checked.returncode == 1
    (nulls,) = [c for c in json.loads(checked.stdout)["checks"] if c["name"] == "nulls"]
    assert nulls["passed"] is False
    assert nulls["output"] == "otel-gateway (kubernetes:helm.sh/v3:Release): values.alternateConfig.receivers.jaeger"
    rendered = run(repo, "render", "dev", "--placeholder-secrets")
    assert "warning: sent as null, which the provider never reads: otel-gateway" in rendered.stderr


def test_a_shared_env_change_is_marked_as_restarting_the_live_color(repo):
    edit(
        repo,
        "staging",
        "  nova-platform:serviceDefaults:\n",
        "  nova-platform:serviceDefaults:\n    env:\n      LOG_FORMAT: json\n",
    )
    document = diff(repo, "staging")
    updates = {change["name"]: change for change in by_action(document, "update")}
    live, idle = updates["feed-service-green"], updates["feed-service-blue"]
    (note,) = live["notes"]
    assert "LIVE colour" in note
    assert idle["notes"] == [], "the idle colour restarts unseen"
    text = run(repo, "diff", "staging", "--base", "main").stdout
    assert "! LIVE colour: its pods restart in a rolling update" in text


def test_a_release_onto_a_running_canary_is_flagged_as_a_live_restart(repo):
    # novactl refuses this release; a hand edit of the stack file is still shown for what it is.
    assert run(repo, "canary", "staging", "feed-service").returncode == 0
    git(repo, "commit", "--quiet", "-am", "canary")
    edit(repo, "staging", 'blue: "2.3.0"', 'blue: "2.5.0"')
    document = diff(repo, "staging")
    (deployment,) = [c for c in by_action(document, "update") if c["name"] == "feed-service-blue"]
    assert any("LIVE colour" in note for note in deployment["notes"])
    markdown = run(repo, "diff", "staging", "--base", "main", "--format", "markdown").stdout
    assert "`feed-service-blue` **(live colour restarts)**" in markdown


def test_a_new_service_gets_no_analysis_job_until_it_has_a_second_color(repo):
    edit(
        repo,
        "dev",
        "  nova-platform:services:\n",
        '  nova-platform:services:\n    wallet-service:\n      active: blue\n      tags:\n        blue: "0.1.0"\n',
    )
    created = {change["name"] for change in by_action(diff(repo), "create")}
    assert "wallet-service-blue-smoke" in created
    assert "wallet-service-analysis" not in created
    edit(repo, "dev", 'blue: "0.1.0"\n', 'blue: "0.1.0"\n        green: "0.2.0"\n')
    assert "wallet-service-analysis" in {change["name"] for change in by_action(diff(repo), "create")}


def test_a_variable_change_is_shown_by_name_and_only_the_part_of_a_long_value_that_changed(repo):
    edit(repo, "staging", "        RUST_LOG: info\n", "        RUST_LOG: debug\n")
    text = run(repo, "diff", "staging", "--base", "main").stdout
    assert "env.RUST_LOG: 'info' -> 'debug'" in text
    assert "env[" not in text


def test_a_release_shows_the_service_line_first_and_the_live_color_untouched(repo):
    assert run(repo, "release", "staging", "feed-service", "2.5.0").returncode == 0
    text = run(repo, "diff", "staging", "--base", "main").stdout
    lines = text.splitlines()
    assert lines[1] == "feed-service: idle blue 2.3.0 -> 2.5.0 (live green untouched)"
    document = diff(repo, "staging")
    assert document["services"] == ["feed-service: idle blue 2.3.0 -> 2.5.0 (live green untouched)"]


def test_a_new_service_shows_its_image_replicas_ports_and_variable_names(repo):
    edit(
        repo,
        "dev",
        "  nova-platform:services:\n",
        '  nova-platform:services:\n    wallet-service:\n      active: blue\n      tags:\n        blue: "0.1.0"\n'
        "      env:\n        WALLET_MODE: strict\n",
    )
    document = diff(repo)
    assert "wallet-service: new, blue 0.1.0" in document["services"]
    (deployment,) = [
        c
        for c in by_action(document, "create")
        if c["name"] == "wallet-service-blue" and c["type"] == "kubernetes:apps/v1:Deployment"
    ]
    fields = {item["path"]: item["after"] for item in deployment["fields"]}
    assert fields["containers.wallet-service.image"].endswith("/nova/wallet-service:0.1.0")
    assert fields["spec.replicas"] == 1
    assert "WALLET_MODE" in fields["containers.wallet-service.env"]
    assert "strict" not in json.dumps(deployment), "names, never values"


def test_the_markdown_stays_under_the_comment_limit():
    from novactl.plan.changes import FieldChange, ResourceChange
    from novactl.plan.diff import MAX_MARKDOWN, Diff, to_markdown

    changes = [
        ResourceChange(
            "update",
            f"urn:{index}",
            "kubernetes:apps/v1:Deployment",
            f"svc-{index}",
            fields=tuple(FieldChange(f"spec.field{n}", "a" * 50, "b" * 50) for n in range(25)),
        )
        for index in range(40)
    ]
    text = to_markdown(Diff("staging", "main", "0" * 40, changes))
    assert len(text) <= MAX_MARKDOWN
    assert "the full diff of `staging` is in the job summary" in text
