#!/usr/bin/env bash
# Push the commit(s) on HEAD to main. When main moved on meanwhile (a merge during a rollout or
# an analysis window), rebase onto it and try again, so a release, a switch or a rollback is
# never lost to a rejected push. A conflict on the stack file stops here, loudly: a person
# decides. Tries and waits are bounded.
set -euo pipefail

tries="${PUSH_TRIES:-5}"
for attempt in $(seq 1 "$tries"); do
  if git push origin HEAD:main; then
    exit 0
  fi
  if [ "$attempt" -eq "$tries" ]; then
    break
  fi
  echo "main moved on: rebasing onto it (try ${attempt} of ${tries})"
  git fetch --quiet origin main
  if ! git rebase origin/main; then
    git rebase --abort || true
    echo "::error::the commit conflicts with what landed on main meanwhile; resolve it by hand" >&2
    exit 1
  fi
  sleep "$((attempt * ${PUSH_BACKOFF_SECONDS:-2}))"
done
echo "::error::could not push to main after ${tries} tries" >&2
exit 1
