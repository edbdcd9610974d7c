#!/usr/bin/env bash
# Post one message about a deployment to the stack's Slack deploy channel (an incoming
# webhook). Reads OUTCOME, STACK, SUMMARY, COMMIT, RUN_URL and SLACK_WEBHOOK_URL from the
# environment; the webhook URL is a secret and is never printed. Without a webhook it says so
# and succeeds, so a stack without a channel still deploys.
set -euo pipefail

if [ -z "${SLACK_WEBHOOK_URL:-}" ]; then
  echo "No Slack webhook for ${STACK}: set the SLACK_DEPLOY_WEBHOOK_URL secret of the ${STACK} environment"
  exit 0
fi

case "${OUTCOME}" in
  success) icon=":white_check_mark:" ;;
  cancelled) icon=":warning:" ;;
  *) icon=":x:" ;;
esac

payload=$(jq --null-input \
  --arg text "${icon} ${STACK}: ${TITLE:-deploy} ${OUTCOME}" \
  --arg summary "${SUMMARY:-no traffic changes}" \
  --arg commit "${COMMIT}" \
  --arg run "${RUN_URL}" \
  '{text: $text, blocks: [
     {type: "section", text: {type: "mrkdwn", text: ("*" + $text + "*\n" + $summary)}},
     {type: "context", elements: [{type: "mrkdwn", text: ("commit `" + $commit + "` · <" + $run + "|run>")}]}
   ]}')

# --data @- keeps the payload off the command line; the URL comes from the environment only.
printf '%s' "${payload}" | curl --fail --silent --show-error --max-time 20 \
  --header 'Content-Type: application/json' --data @- "${SLACK_WEBHOOK_URL}" > /dev/null
echo "Posted the ${STACK} deployment (${OUTCOME}) to Slack"
