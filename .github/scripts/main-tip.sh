#!/usr/bin/env bash
# Run by a deploy job once it holds its stack's lock (the concurrency group) and, on
# production, once its reviewers approved: is this run's commit still main's tip? A run that
# waited while main moved on (a promotion's release and switch commits, another merge) would
# otherwise `pulumi up` an older stack file and undo them. Writes `stale=true|false` to
# GITHUB_OUTPUT; a stale run says why in its summary and deploys nothing.
set -euo pipefail

git fetch --quiet origin main
tip="$(git rev-parse origin/main)"
if [ "${tip}" = "${RUN_SHA}" ]; then
  echo "stale=false" >> "${GITHUB_OUTPUT}"
  echo "Deploying ${RUN_SHA:0:12}, main's tip"
  exit 0
fi
echo "stale=true" >> "${GITHUB_OUTPUT}"
message="Not deploying ${RUN_SHA:0:12} to ${STACK}: main is at ${tip:0:12} now, and deploying an older commit would undo what landed since. The newer commit's own run (or the promotion that wrote it) deploys it."
echo "::notice::${message}"
echo "### ${message}" >> "${GITHUB_STEP_SUMMARY}"
