"""How long each `novactl` verb takes on the staging stack, as a user runs it (a new process).

    .venv/bin/python benchmarks/cli.py [--repeat N] [--profile VERB]

Prints, per verb, the median wall time of N runs (default 5) next to its goal (issue #28), and
the first run's time beside it. Each verb gets its own copy of the project; its stack file is put
back before every run (the editing verbs write it). The first run compiles the copy's modules,
as the first run after a `git pull` does; the later ones find them compiled, as a user's
checkout does. `--profile` runs one verb under cProfile and prints where the time goes (the
top 25 by cumulative time). A script that prints figures, not a test: timings on a shared
2-core machine vary.
"""

from __future__ import annotations

import argparse
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from novactl.engine.program import copy_program

PROJECT_DIR = Path(__file__).resolve().parents[1]
NOVACTL = [sys.executable, "-m", "novactl"]
VERBS: dict[str, tuple[list[str], float]] = {
    "status": (["status", "staging"], 0.5),
    "release": (["release", "staging", "feed-service", "2.5.0"], 1.0),
    "release --env": (["release", "staging", "feed-service", "--env", "FEATURE_X=on"], 1.0),
    "switch": (["switch", "staging", "feed-service", "blue"], 1.0),
    "canary": (["canary", "staging", "feed-service"], 1.0),
    "rollback": (["rollback", "staging", "feed-service"], 1.0),
    "check": (["check", "staging"], 2.0),
}


def run_once(project: Path, arguments: list[str]) -> float:
    """One run in `project`, its stack files as they were before it."""
    stack_files = {path: path.read_bytes() for path in project.glob("Pulumi.*.yaml")}
    started = time.perf_counter()
    outcome = subprocess.run([*NOVACTL, *arguments], capture_output=True, text=True, check=False, cwd=project)
    elapsed = time.perf_counter() - started
    for path, content in stack_files.items():
        path.write_bytes(content)
    if outcome.returncode != 0:
        raise SystemExit(f"novactl {' '.join(arguments)} failed: {outcome.stderr.strip()}")
    return elapsed


def with_a_switch_to_roll_back(project: Path) -> None:
    """The copy as a git repository whose last commit switched feed-service (for `rollback`)."""
    for command in (
        ["git", "init", "--quiet", "--initial-branch=main"],
        ["git", "config", "user.name", "benchmark"],
        ["git", "config", "user.email", "benchmark@example.com"],
        ["git", "add", "-A"],
        ["git", "commit", "--quiet", "-m", "base"],
        [*NOVACTL, "switch", "staging", "feed-service", "blue", "--commit"],
    ):
        subprocess.run(command, cwd=project, check=True, capture_output=True)


def checkout_copy(folder: Path) -> Path:
    """The program and novactl, copied as a checkout holds them: run from there, novactl and the
    program's modules come from one folder, as when a user runs novactl in their checkout (from
    another folder, novactl would import the program's modules a second time, from the copy)."""
    project = copy_program(PROJECT_DIR, folder / "project")
    shutil.copytree(PROJECT_DIR / "novactl", project / "novactl", ignore=shutil.ignore_patterns("__pycache__"))
    (project / "tools").symlink_to(PROJECT_DIR / "tools")  # check's CRD tool and its node_modules
    return project


def timings(arguments: list[str], repeat: int) -> tuple[float, list[float]]:
    """The first run's time, and the times of `repeat` runs after it, in one copy."""
    with tempfile.TemporaryDirectory(prefix="novactl-bench-") as folder:
        project = checkout_copy(Path(folder))
        if arguments[0] == "rollback":
            with_a_switch_to_roll_back(project)
        first = run_once(project, arguments)
        return first, [run_once(project, arguments) for _ in range(repeat)]


def profile(verb: str) -> None:
    """The verb under cProfile, run as a user runs it (a new process in a checkout's copy)."""
    with tempfile.TemporaryDirectory(prefix="novactl-profile-") as folder:
        project = checkout_copy(Path(folder))
        output = Path(folder) / "profile"
        # main(), not the command: the command leaves with os._exit, before cProfile could write.
        call = f"main({VERBS[verb][0]!r})"
        driver = f"import cProfile; from novactl.cli.main import main; cProfile.run({call!r}, {str(output)!r})"
        subprocess.run([sys.executable, "-c", driver], cwd=project, check=True)
        pstats.Stats(str(output), stream=sys.stderr).sort_stats("cumulative").print_stats(25)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", choices=sorted(VERBS), help="profile one verb instead")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
        return 0
    print(f"novactl on the staging stack: median of {args.repeat} runs, wall seconds (new process each)")
    print(f"{'verb':<15} {'median':>8} {'min':>8} {'first':>8} {'goal':>6}  within goal")
    for verb, (arguments, goal) in VERBS.items():
        first, times = timings(arguments, args.repeat)
        median = statistics.median(times)
        within = "yes" if median <= goal else "no"
        print(f"{verb:<15} {median:>8.2f} {min(times):>8.2f} {first:>8.2f} {goal:>6.1f}  {within}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
