#!/usr/bin/env bash
# Put every service's traffic back as Pulumi.$STACK.yaml had it at $SINCE, as one commit on main
# (novactl rollback --since: a colour comes back only as it was tested). Writes moved=true|false
# and, when nothing had moved, outcome=none to $GITHUB_OUTPUT.
set -euo pipefail

# The commit's author, as the promote workflow commits (a deploy's checkout has none set).
git config user.name > /dev/null || git config user.name "github-actions[bot]"
git config user.email > /dev/null || git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
before=$(git rev-parse HEAD)
.venv/bin/novactl rollback "$STACK" --since "$SINCE" --commit
if [ "$(git rev-parse HEAD)" = "$before" ]; then
  echo "moved=false" >> "$GITHUB_OUTPUT"
  echo "outcome=none" >> "$GITHUB_OUTPUT"
  exit 0
fi
.github/scripts/push-main.sh
echo "moved=true" >> "$GITHUB_OUTPUT"
