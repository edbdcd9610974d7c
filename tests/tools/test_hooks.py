"""The commit hooks: local only, enforced by `make test`, and the secrets hook stops a commit."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import PROJECT_DIR

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")


def hooks() -> dict[str, dict[str, object]]:
    config = yaml.safe_load((PROJECT_DIR / ".pre-commit-config.yaml").read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"], "local hooks only: offline, nothing pinned twice"
    return {hook["id"]: hook for hook in config["repos"][0]["hooks"]}


def test_the_hooks_cover_lint_types_workflows_and_stack_files():
    found = hooks()
    assert set(found) == {"ruff", "ruff-format", "mypy", "actionlint", "plaintext-secrets", "novactl-check"}
    for hook in found.values():
        assert hook["language"] == "system"
        assert str(hook["entry"]).split()[0] in {
            ".venv/bin/ruff",
            ".venv/bin/mypy",
            ".venv/bin/actionlint",
            ".venv/bin/python",
            "bash",
        }
    stack_file = re.compile(str(found["novactl-check"]["files"]))
    assert stack_file.search("Pulumi.staging.yaml")
    assert not stack_file.search("Pulumi.yaml")


def test_make_test_runs_every_hook_on_every_file():
    makefile = (PROJECT_DIR / "Makefile").read_text()
    assert re.search(r"^test: .*\bhooks-check\b", makefile, re.MULTILINE)
    assert "$(BIN)/pre-commit run --all-files" in makefile


def test_the_secrets_hook_stops_a_commit_with_a_plain_text_secret(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in (".pre-commit-config.yaml", "Pulumi.yaml", "Pulumi.staging.yaml", "__main__.py"):
        shutil.copy(PROJECT_DIR / name, repo / name)
    for package in ("components", "novactl", "analysis", "policies"):
        shutil.copytree(PROJECT_DIR / package, repo / package, ignore=shutil.ignore_patterns("__pycache__"))
    (repo / ".venv").symlink_to(Path(sys.executable).parent.parent)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, check=False)

    assert run("git", "init", "-q").returncode == 0
    stack = repo / "Pulumi.staging.yaml"
    stack.write_text(stack.read_text() + "  nova-platform:pagerdutyRoutingKey: R0UT1NGKEYINTHECLEAR\n")
    assert run("git", "add", "-A").returncode == 0

    result = run(str(PRE_COMMIT), "run", "plaintext-secrets", "--files", "Pulumi.staging.yaml")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Pulumi.staging.yaml: nova-platform:pagerdutyRoutingKey: is in plain text" in result.stdout
    assert "R0UT1NGKEYINTHECLEAR" not in result.stdout + result.stderr

    stack.write_text(stack.read_text().replace("R0UT1NGKEYINTHECLEAR", "\n    secure: v1:AAAA"))
    result = run(str(PRE_COMMIT), "run", "plaintext-secrets", "--files", "Pulumi.staging.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
