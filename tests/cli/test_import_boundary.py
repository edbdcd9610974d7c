"""The verbs that need no render never load the Pulumi SDK (a second of import on every call):
only the offline engine imports it, when a verb runs the program; and the parser imports only
the verb that runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_DIR

# novactl's own entry point, then every module the process holds (exact, where `-X importtime`
# misses what importlib.import_module loads).
_READ_MODULES = """
import json, sys
from novactl.cli.main import main
try:
    main(sys.argv[2:])
finally:
    with open(sys.argv[1], "w") as out:
        json.dump(sorted(sys.modules), out)
"""


def imported(*args: str, cwd: Path) -> set[str]:
    """Every module `novactl ARGS` imports (whatever it exits with)."""
    listing = cwd / "modules.json"
    subprocess.run(
        [sys.executable, "-c", _READ_MODULES, str(listing), "-C", str(PROJECT_DIR), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
    return set(json.loads(listing.read_text()))


def sdk(modules: set[str]) -> set[str]:
    return {name for name in modules if name == "pulumi" or name.startswith(("pulumi.", "pulumi_"))}


@pytest.mark.parametrize(
    "args",
    [
        ["status", "staging"],
        ["status", "staging", "feed-service", "--json"],
        ["history", "staging"],
        ["secrets", "dev", "staging", "production"],
        ["completion", "bash"],
        ["perf", "record", "--suite", "render", "missing-results.json"],
        ["perf", "compare", "--suite", "render", "missing-results.json"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_a_verb_that_needs_no_render_never_imports_the_sdk(args, tmp_path):
    assert sdk(imported(*args, cwd=tmp_path)) == set()


def test_a_verb_that_renders_imports_it(tmp_path):
    # The control: the same reading sees the SDK when a verb runs the program.
    modules = imported("render", "dev", "--placeholder-secrets", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert {"pulumi", "pulumi_kubernetes"} <= sdk(modules)


def test_the_parser_imports_only_the_verb_that_runs(tmp_path):
    verbs = {name for name in imported("status", "staging", cwd=tmp_path) if name.startswith("novactl.verbs.")}
    assert verbs == {"novactl.verbs.status", "novactl.verbs.output"}
    assert "novactl.engine.program" not in imported("history", "staging", cwd=tmp_path)


def test_completion_knows_every_verb_and_its_flags(tmp_path):
    # The one verb that loads them all: the script lists each verb's own flags.
    result = subprocess.run(
        [sys.executable, "-m", "novactl", "completion", "bash"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert 'release) opts="-h --help --env --dry-run --json --commit" ;;' in result.stdout
    assert 'check) opts="-h --help --json --no-cache --live --context" ;;' in result.stdout
