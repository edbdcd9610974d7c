#!/usr/bin/env bash
# After a rollback's `pulumi up`: read what the cluster serves. No drift from the stack file
# (which now holds the traffic as it was) means the traffic is back, whatever that `pulumi up`
# said; drift, or a cluster that cannot be read, is a rollback that did not happen. Writes
# outcome=rolled back|rollback failed to $GITHUB_OUTPUT and a line to the step summary.
set -euo pipefail

summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
if status=$(.venv/bin/novactl status "$STACK" --live 2>&1); then
  echo "outcome=rolled back" >> "$GITHUB_OUTPUT"
  { echo "### $STACK: traffic rolled back; the cluster serves what the stack file says"; echo '```'; echo "$status"; echo '```'; } >> "$summary"
  echo "::error::$STACK was rolled back: the traffic is where it was before this run"
else
  echo "outcome=rollback failed" >> "$GITHUB_OUTPUT"
  { echo "### ROLLBACK FAILED on $STACK: the cluster does not serve what the stack file says"; echo '```'; echo "$status"; echo '```'; } >> "$summary"
  echo "::error::ROLLBACK FAILED on $STACK: switch back by hand (docs/blue-green.md#rollback)"
fi
