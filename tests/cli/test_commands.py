"""`novactl` as a command: the console script, the flags Pulumi users type, JSON output,
errors that name everything at once, and a pipe that closes early."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from novactl.cli.shell import hoist_stack_flag
from tests.conftest import PROJECT_DIR
from tests.support import novactl

CONSOLE_SCRIPT = Path(sys.executable).with_name("novactl")


def test_novactl_is_a_command_of_the_environment_with_a_version():
    assert CONSOLE_SCRIPT.exists(), "make render / make test install the project (pip install -e .)"
    result = subprocess.run([str(CONSOLE_SCRIPT), "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "novactl 0.21.0"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["release", "-s", "staging", "feed-service", "2.5.0"], ["release", "staging", "feed-service", "2.5.0"]),
        (["-C", "x", "status", "--stack=prod"], ["-C", "x", "status", "prod"]),
        (["switch", "feed-service", "green", "--stack", "staging"], ["switch", "staging", "feed-service", "green"]),
        (["status", "staging"], ["status", "staging"]),
    ],
)
def test_the_stack_flag_goes_where_every_verb_reads_the_stack(argv, expected):
    assert hoist_stack_flag(argv) == expected


def test_release_with_the_stack_flag_and_json_output(project_copy):
    result = novactl("release", "-s", "staging", "feed-service", "2.5.0", "--dry-run", "--json", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["stack"] == "staging"
    assert document["written"] is False
    assert document["messages"][0] == "feed-service: blue 2.3.0 -> 2.5.0; green keeps serving 2.4.0"
    (deployment,) = [c for c in document["changes"] if c["kind"] == "Deployment"]
    assert (deployment["action"], deployment["name"]) == ("update", "feed-service-blue")


@pytest.mark.parametrize("verb", [["switch", "staging", "feed-service", "blue"], ["canary", "staging", "feed-service"]])
def test_switch_and_canary_speak_json_too(project_copy, verb):
    result = novactl(*verb, "--dry-run", "--json", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {"update"} <= {change["action"] for change in document["changes"]}


def test_status_of_one_service():
    result = novactl("status", "staging", "feed-service")
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()[1:]
    assert len(rows) == 2  # the header and feed-service
    assert rows[1].startswith("feed-service ")
    unknown = novactl("status", "staging", "feed-servce")
    assert unknown.returncode == 2
    assert "did you mean 'feed-service'?" in unknown.stderr


def test_switch_all_names_every_service_that_blocks_it(project_copy):
    result = novactl("switch", "dev", "--all", "green", cwd=project_copy)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: ")
    assert "services cannot switch to green, so none does:" in lines[0]
    blocked = [line for line in lines[1:] if "has no image tag" in line]
    assert len(blocked) >= 2, lines
    assert all(line.startswith("error:   Pulumi.dev.yaml: nova-platform:services.") for line in blocked)


def test_several_mistakes_in_a_stack_file_are_reported_together(project_copy):
    path = project_copy / "Pulumi.dev.yaml"
    text = path.read_text()
    text = text.replace('        blue: "0.9.0-dev"', '        blue: "latest"', 1)
    namespace = "  nova-platform:namespace: nova-dev"
    text = text.replace(namespace, f"{namespace}\n  nova-platform:nodeMemory: lots", 1)
    path.write_text(text)
    result = novactl("render", "dev", "--placeholder-secrets", cwd=project_copy)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert any(".tags.blue: 'latest' is not allowed" in line for line in lines)
    assert any("nova-platform:nodeMemory: 'lots' is not a Kubernetes quantity" in line for line in lines)
    assert all(line.startswith("error: Pulumi.dev.yaml: ") for line in lines)


def test_a_pipe_that_closes_early_is_no_traceback():
    # `novactl status staging | head -1`: the reader is gone before novactl writes.
    process = subprocess.Popen(
        [sys.executable, "-m", "novactl", "-C", str(PROJECT_DIR), "status", "staging"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.close()
    _, errors = process.communicate(timeout=60)
    assert "Traceback" not in errors
    assert "BrokenPipeError" not in errors
    assert process.returncode == 0


def test_the_bash_completion_is_valid_bash_and_knows_every_verb():
    result = novactl("completion", "bash")
    assert result.returncode == 0, result.stderr
    script = result.stdout
    for verb in ("render", "check", "diff", "switch", "canary", "release", "status", "perf", "completion"):
        assert f"    {verb}) opts=" in script
    assert "complete -F _novactl novactl" in script
    syntax = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, check=False)
    assert syntax.returncode == 0, syntax.stderr
