"""The pull request a finished workflow run belongs to, from GitHub's API, never from the run.

A workflow_run's artifacts are written by the pull request's own code, which for a fork can
name any PR number it likes. So the number comes from the API: the open pull requests whose
head is the run's repository and branch, and whose head commit is the run's commit. A number
the artifact claims must agree, or the comment is refused.

Environment: GITHUB_API_URL, GITHUB_TOKEN, REPOSITORY (owner/name, the base), HEAD_OWNER,
HEAD_BRANCH, HEAD_SHA (of the run), CLAIMED (the artifact's number, may be empty),
GITHUB_OUTPUT. Writes `number=<n>` (empty when no open PR has that head any more: a newer
push superseded the run, and there is nothing to post). Standard library only.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
import urllib.request
from typing import Any


def open_pulls(api: str, token: str, repository: str, head: str) -> list[dict[str, Any]]:
    query = urllib.parse.urlencode({"state": "open", "head": head, "per_page": "100"})
    request = urllib.request.Request(
        f"{api}/repos/{repository}/pulls?{query}",
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        },
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        pulls: list[dict[str, Any]] = json.load(response)
    return pulls


def main() -> int:
    env = os.environ
    head_sha, claimed = env["HEAD_SHA"], env.get("CLAIMED", "").strip()
    pulls = open_pulls(
        env.get("GITHUB_API_URL", "https://api.github.com"),
        env["GITHUB_TOKEN"],
        env["REPOSITORY"],
        f"{env['HEAD_OWNER']}:{env['HEAD_BRANCH']}",
    )
    numbers = sorted(str(pull["number"]) for pull in pulls if pull.get("head", {}).get("sha") == head_sha)
    if len(numbers) > 1:
        print(f"::error::several open pull requests have head {head_sha[:12]}: {', '.join(numbers)}", file=sys.stderr)
        return 1
    number = numbers[0] if numbers else ""
    if not number:
        print(f"No open pull request has head {head_sha[:12]} any more (a newer push?): nothing to post")
    elif claimed and claimed != number:
        print(
            f"::error::the run's artifact names pull request {claimed[:20]!r}, but its commit {head_sha[:12]} "
            f"is the head of #{number}: refusing to comment",
            file=sys.stderr,
        )
        return 1
    with open(env["GITHUB_OUTPUT"], "a", encoding="utf-8") as output:
        output.write(f"number={number}\n")
    if number:
        print(f"Pull request #{number}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
