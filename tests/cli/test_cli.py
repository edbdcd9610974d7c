"""`python -m novactl` as a user runs it: subprocesses, exit codes, files and messages."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_DIR
from tests.support import novactl


def assert_one_line_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [f"error: {expected}"]


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    return [(old, new) for old, new in zip(before.splitlines(), after.splitlines(), strict=False) if old != new]


def test_render_writes_stack_json_and_manifests_with_a_summary(tmp_path):
    result = novactl("render", "staging", "--placeholder-secrets", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "stack.json").read_text())
    assert document["stack"] == "staging"
    entry = document["resources"][0]
    assert set(entry) == {"urn", "type", "name", "parent", "inputs", "dependencies", "options"}
    assert (tmp_path / "manifests/nova-staging/service.feed-service.yaml").exists()
    assert "kubernetes:apps/v1:Deployment  (in nova:platform:BlueGreenService)" in result.stdout
    assert re.search(r"manifests under .* in \d+\.\d\ds$", result.stdout.splitlines()[-1])


def test_render_of_a_missing_stack_is_a_usage_error():
    result = novactl("render", "qa")
    assert_one_line_error(result, "Pulumi.qa.yaml: stack file not found (stacks here: dev, production, staging)")


def test_bad_config_fails_before_anything_is_written(tmp_path):
    out = tmp_path / "out"
    result = novactl(
        "render",
        "staging",
        "--placeholder-secrets",
        "--out",
        str(out),
        "--config",
        "services.feed-service.active=purple",
    )
    assert_one_line_error(
        result, "Pulumi.staging.yaml: nova-platform:services.feed-service.active: 'purple' is not one of: blue, green"
    )
    assert not out.exists()


def test_a_misspelt_key_in_the_stack_file_gets_a_suggestion(project_copy):
    stack = project_copy / "Pulumi.staging.yaml"
    stack.write_text(stack.read_text().replace("    replicas: 2\n", "    replicsa: 2\n", 1))
    result = novactl("render", "staging", "--placeholder-secrets", "--out", str(project_copy / "out"), cwd=project_copy)
    assert_one_line_error(
        result, "Pulumi.staging.yaml: nova-platform:serviceDefaults.replicsa: unknown key; did you mean 'replicas'?"
    )


def test_switch_edits_one_line_and_shows_the_one_change(project_copy):
    stack = project_copy / "Pulumi.staging.yaml"
    before = stack.read_text()
    result = novactl("switch", "staging", "graphql-gateway", "green", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    assert changed_lines(before, stack.read_text()) == [("      active: blue", "      active: green")]
    assert "~ update   Service nova-staging/graphql-gateway\n" in result.stdout
    assert "spec.selector.nova.social/color: 'blue' -> 'green'" in result.stdout
    # The selector, and the analysis Job that watches green once it has the traffic.
    assert "changes 2 resource(s)" in result.stdout
    # As novactl diff and pulumi plan it: the analysis Job is replaced (a new name).
    assert "+- replace  Job nova-staging/graphql-gateway-analysis  (metadata.name cannot change in place" in (
        result.stdout
    )
    assert "metadata.name: 'graphql-gateway-analysis-" in result.stdout
    assert " create " not in result.stdout


def test_switch_to_the_active_color_says_so_and_changes_nothing(project_copy):
    stack = project_copy / "Pulumi.staging.yaml"
    before = stack.read_text()
    result = novactl("switch", "staging", "feed-service", "green", cwd=project_copy)
    assert result.returncode == 0
    assert "feed-service: green is already active" in result.stdout
    assert stack.read_text() == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("content-service", "green"),
            "Pulumi.staging.yaml: nova-platform:services.content-service.tags.green: green has no image tag",
        ),
        (
            ("content-servce", "green"),
            "Pulumi.staging.yaml: nova-platform:services.content-servce: unknown service; "
            "did you mean 'content-service'?",
        ),
        (
            ("feed-service", "purple"),
            "Pulumi.staging.yaml: nova-platform:services.feed-service.active: 'purple' is not one of: blue, green",
        ),
    ],
)
def test_switch_refuses_bad_targets_and_leaves_the_file_alone(project_copy, args, expected):
    stack = project_copy / "Pulumi.staging.yaml"
    before = stack.read_text()
    result = novactl("switch", "staging", *args, cwd=project_copy)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {expected}")
    assert stack.read_text() == before


def test_switch_refuses_a_color_scaled_to_zero(project_copy):
    stack = project_copy / "Pulumi.staging.yaml"
    stack.write_text(stack.read_text().replace("    idle: keep\n", "    idle: scale-to-zero\n"))
    result = novactl("switch", "staging", "graphql-gateway", "green", cwd=project_copy)
    assert result.returncode == 2
    assert "nova-platform:services.graphql-gateway.idle: green is scaled to zero" in result.stderr


def test_switch_all_flips_every_service_that_can_flip(project_copy):
    stack = project_copy / "Pulumi.production.yaml"
    result = novactl("switch", "production", "--all", "green", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    assert "graphql-gateway: green is already active" in result.stdout
    assert stack.read_text().count("active: green") == 13
    # 12 selectors, and for each of those services a new analysis Job replacing the last one.
    assert "changes 24 resource(s)" in result.stdout
    assert result.stdout.count("~ update   Service nova-production/") == 12
    assert result.stdout.count("+- replace  Job nova-production/") == 12


def test_release_puts_the_tag_on_the_inactive_color(project_copy):
    stack = project_copy / "Pulumi.staging.yaml"
    before = stack.read_text()
    result = novactl("release", "staging", "feed-service", "2.5.0", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    assert changed_lines(before, stack.read_text()) == [('        blue: "2.3.0"', '        blue: "2.5.0"')]
    assert "~ update   Deployment nova-staging/feed-service-blue\n" in result.stdout
    assert "update Service" not in result.stdout
    assert "novactl switch staging feed-service blue" in result.stdout
    # As `novactl diff` prints it: a long value shows the part that changed.
    assert "env.OTEL_RESOURCE_ATTRIBUTES: '...e.version=2.3.0,nova.colo...' -> '...e.version=2.5.0,nova.colo...'" in (
        result.stdout
    )


def test_release_refuses_latest(project_copy):
    result = novactl("release", "staging", "feed-service", "latest", cwd=project_copy)
    assert result.returncode == 2
    assert "nova-platform:services.feed-service.tags.blue: 'latest' is not allowed" in result.stderr


def test_status_prints_a_table_of_colors_tags_and_sizes():
    result = novactl("status", "production")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["SERVICE", "ACTIVE", "BLUE", "GREEN", "REPLICAS", "IDLE", "CANARY"]
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert rows["graphql-gateway"] == ["graphql-gateway", "green", "3.1.0", "3.1.1", "hpa", "4-20", "keep", "-"]
    assert rows["content-service"] == ["content-service", "blue", "1.7.4", "1.8.0", "3", "keep", "-"]
    document = json.loads(novactl("status", "production", "--json").stdout)
    assert document["services"]["graphql-gateway"]["active"] == "green"
    assert document["services"]["content-service"]["tags"] == {"blue": "1.7.4", "green": "1.8.0"}


def test_switch_to_tag_picks_the_color_running_that_tag(project_copy):
    assert novactl("release", "staging", "feed-service", "2.5.0", cwd=project_copy).returncode == 0
    result = novactl("switch", "staging", "feed-service", "--to-tag", "2.5.0", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    assert "feed-service: green -> blue (tag 2.5.0)" in result.stdout
    assert "active: blue" in (project_copy / "Pulumi.staging.yaml").read_text().split("feed-service:")[1][:40]


def test_switch_to_a_tag_no_color_runs_is_a_config_error(project_copy):
    result = novactl("switch", "staging", "feed-service", "--to-tag", "9.9.9", cwd=project_copy)
    assert_one_line_error(
        result,
        "Pulumi.staging.yaml: nova-platform:services.feed-service.tags: no colour runs 9.9.9 "
        "(blue 2.3.0, green 2.4.0); release it first",
    )


def test_a_duplicate_key_in_a_stack_file_is_refused_with_both_lines(project_copy, tmp_path):
    stack = project_copy / "Pulumi.staging.yaml"
    lines = stack.read_text().splitlines(keepends=True)
    first = next(index for index, line in enumerate(lines) if line.startswith("  nova-platform:namespace:"))
    lines.insert(first + 2, "  nova-platform:namespace: nova-other\n")
    stack.write_text("".join(lines))
    out = tmp_path / "out"
    result = novactl("render", "staging", "--placeholder-secrets", "--out", str(out), cwd=project_copy)
    assert_one_line_error(
        result, f"Pulumi.staging.yaml: duplicate key config.nova-platform:namespace (lines {first + 1} and {first + 3})"
    )
    assert not out.exists()


def test_a_secret_in_plain_text_in_the_stack_file_is_refused(project_copy, tmp_path):
    webhook = "https://hooks.slack.com/services/T000/B000/in-the-clear"
    stack = project_copy / "Pulumi.staging.yaml"
    stack.write_text(stack.read_text() + f"  nova-platform:slackWebhookUrl: {webhook}\n")
    out = tmp_path / "out"
    result = novactl("render", "staging", "--placeholder-secrets", "--out", str(out), cwd=project_copy)
    assert result.returncode == 2, result.stderr
    assert webhook not in result.stderr + result.stdout
    assert_one_line_error(
        result,
        "Pulumi.staging.yaml: nova-platform:slackWebhookUrl: is in plain text in the stack file; remove that line "
        "and store it encrypted: pulumi config set --secret slackWebhookUrl <value> -s staging",
    )
    assert not out.exists()
    # The same key given as a secret is accepted, and masked.
    stack.write_text(stack.read_text().replace(f"  nova-platform:slackWebhookUrl: {webhook}\n", ""))
    secret = novactl(
        "render",
        "staging",
        "--placeholder-secrets",
        "--out",
        str(out),
        "--secret",
        f"slackWebhookUrl={webhook}",
        cwd=project_copy,
    )
    assert secret.returncode == 0, secret.stderr
    assert webhook not in (out / "stack.json").read_text()


def test_release_env_puts_a_variable_on_the_idle_color_only(project_copy):
    result = novactl("release", "staging", "feed-service", "--env", "FEATURE_X=on", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    text = (project_copy / "Pulumi.staging.yaml").read_text()
    assert '      colorEnv:\n        blue:\n          FEATURE_X: "on"\n' in text
    # The variables that change, not a dump of the list.
    assert "feed-service: blue FEATURE_X: (unset) -> on (live green keeps (unset))" in result.stdout
    assert "~ update   Deployment nova-staging/feed-service-blue\n" in result.stdout
    assert "env.FEATURE_X: + 'on'" in result.stdout, "by name, not env[8], and as novactl diff says it"
    assert "feed-service-green" not in result.stdout


def test_a_bad_env_name_in_the_stack_file_is_one_line(project_copy):
    stack = project_copy / "Pulumi.staging.yaml"
    stack.write_text(stack.read_text().replace("        RUST_LOG: info\n", "        RUST-LOG: info\n", 1))
    result = novactl("render", "staging", "--placeholder-secrets", "--out", str(project_copy / "out"), cwd=project_copy)
    assert_one_line_error(
        result,
        "Pulumi.staging.yaml: nova-platform:services.graphql-gateway.env.RUST-LOG: 'RUST-LOG' is not an environment "
        "variable name (letters, digits and '_')",
    )


def test_canary_states_its_share_and_abort_takes_it_back(project_copy):
    result = novactl("canary", "staging", "feed-service", "--pods", "1", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    assert "about 33% of new connections (long-lived connections stay where they are)" in result.stdout
    assert "      canary:\n        pods: 1\n" in (project_copy / "Pulumi.staging.yaml").read_text()
    status = novactl("status", "staging", cwd=project_copy)
    assert "blue x1" in status.stdout
    aborted = novactl("canary", "staging", "feed-service", "--abort", cwd=project_copy)
    assert aborted.returncode == 0, aborted.stderr
    assert "canary aborted; green takes all of the traffic" in aborted.stdout
    assert "canary:" not in (project_copy / "Pulumi.staging.yaml").read_text()


def test_a_canary_of_an_autoscaled_service_is_refused(project_copy):
    result = novactl("canary", "production", "graphql-gateway", cwd=project_copy)
    assert result.returncode == 2
    assert "nova-platform:services.graphql-gateway.canary: the HPA sets the replicas" in result.stderr


def test_the_benchmark_renders_its_generated_stack_and_writes_perf_results(tmp_path):
    results = tmp_path / "render.json"
    outcome = subprocess.run(
        [sys.executable, "benchmarks/render.py", "--repeat", "1", "--sizes", "3", "--json", str(results)],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT_DIR,
        timeout=300,
    )
    assert outcome.returncode == 0, outcome.stderr
    document = json.loads(results.read_text())
    assert [item["name"] for item in document["results"]] == [
        "render 3 services, per resource",
        "per-resource cost spread",
    ]
    assert document["results"][0]["unit"] == "ms"


def test_secrets_refuses_plain_text_secrets_without_printing_them(project_copy):
    webhook = "https://hooks.slack.com/services/T000/B000/in-the-clear"
    stack = project_copy / "Pulumi.staging.yaml"
    stack.write_text(
        stack.read_text() + f"  nova-platform:slackWebhookUrl: {webhook}\n  feedSigningKey: in-the-clear\n"
    )
    result = novactl("secrets", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "production", cwd=project_copy)
    assert result.returncode == 1
    assert "in-the-clear" not in result.stderr + result.stdout
    assert result.stderr.splitlines() == [
        f"error: Pulumi.staging.yaml: nova-platform:{key}: is in plain text in the stack file; remove that line "
        f"and store it encrypted: pulumi config set --secret {key} <value> -s staging"
        for key in ("slackWebhookUrl", "feedSigningKey")
    ]


def test_secrets_passes_the_stack_files_as_committed():
    result = novactl("secrets", "dev", "staging", "production")
    assert (result.returncode, result.stderr) == (0, "")


def test_a_release_onto_a_running_canary_is_refused_and_says_how_to_end_it(project_copy):
    assert novactl("canary", "staging", "feed-service", cwd=project_copy).returncode == 0
    before = (project_copy / "Pulumi.staging.yaml").read_text()
    for extra in ([], ["--env", "FEATURE_X=on"]):
        result = novactl("release", "staging", "feed-service", "2.5.0", *extra, cwd=project_copy)
        assert result.returncode == 2
        assert result.stderr.strip() == (
            "error: Pulumi.staging.yaml: nova-platform:services.feed-service.canary: blue is a canary taking live "
            "traffic, so a release there would restart pods that serve users; finish it (novactl switch staging "
            "feed-service blue) or abort it (novactl canary staging feed-service --abort) first"
        )
    assert (project_copy / "Pulumi.staging.yaml").read_text() == before


def test_a_secret_inside_a_services_env_is_refused_and_not_printed(project_copy):
    path = project_copy / "Pulumi.staging.yaml"
    text = path.read_text()
    assert "        RUST_LOG: info\n" in text
    path.write_text(
        text.replace(
            "        RUST_LOG: info\n", "        RUST_LOG: info\n        API_TOKEN:\n          secure: v1:abc\n", 1
        )
    )
    result = novactl("render", "staging", "--placeholder-secrets", cwd=project_copy)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: Pulumi.staging.yaml: nova-platform:services.")
    assert ".env.API_TOKEN: a secret inside an object would reach the cluster as a plain value" in line
    assert "v1:abc" not in result.stdout + result.stderr


def test_secrets_refuses_a_credential_in_plain_env_without_printing_it(project_copy):
    path = project_copy / "Pulumi.staging.yaml"
    path.write_text(
        path.read_text().replace(
            "        RUST_LOG: info\n", "        RUST_LOG: info\n        DB_PASSWORD: hunter2\n", 1
        )
    )
    result = novactl("secrets", "staging", cwd=project_copy)
    assert result.returncode == 1
    assert ".env.DB_PASSWORD: DB_PASSWORD is named like a credential" in result.stdout + result.stderr
    assert "hunter2" not in result.stdout + result.stderr
