#!/usr/bin/env bash
# Post one message about a deployment to the stack's Slack deploy channel (an incoming
# webhook). Reads OUTCOME, STACK, TITLE, SUMMARY, COMMIT, RUN_URL and SLACK_WEBHOOK_URL from
# the environment; the webhook URL is a secret and is never printed. Without a webhook it says
# so and succeeds, so a stack without a channel still deploys. A Slack that is down never
# fails the deployment: the failure goes to the run's summary as a warning, and the script
# exits 0.
#
# Text from users (a service or tag typed into the promote form, a summary built from the
# stack file) is escaped as Slack's mrkdwn asks (& < >), so it cannot write `<!channel>` or a
# link of its own (api.slack.com/reference/surfaces/formatting#escaping).
set -euo pipefail

if [ -z "${SLACK_WEBHOOK_URL:-}" ]; then
  echo "No Slack webhook for ${STACK}: set the SLACK_DEPLOY_WEBHOOK_URL secret of the ${STACK} environment"
  exit 0
fi

case "${OUTCOME}" in
  success) icon=":white_check_mark:" ;;
  cancelled | skipped) icon=":warning:" ;;
  *) icon=":x:" ;;
esac

payload=$(jq --null-input \
  --arg icon "${icon}" \
  --arg headline "${STACK}: ${TITLE:-deploy} ${OUTCOME}" \
  --arg summary "${SUMMARY:-no traffic changes}" \
  --arg commit "${COMMIT}" \
  --arg run "${RUN_URL}" \
  'def escaped: gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;");
   ($icon + " " + ($headline | escaped)) as $text
   | {text: $text, blocks: [
       {type: "section", text: {type: "mrkdwn", text: ("*" + $text + "*\n" + ($summary | escaped))}},
       {type: "context", elements: [{type: "mrkdwn", text: ("commit `" + ($commit | escaped) + "` · <" + $run + "|run>")}]}
     ]}')

# --data @- keeps the payload off the command line; the URL comes from the environment only.
if printf '%s' "${payload}" | curl --fail --silent --show-error --max-time 20 \
  --header 'Content-Type: application/json' --data @- "${SLACK_WEBHOOK_URL}" > /dev/null; then
  echo "Posted the ${STACK} deployment (${OUTCOME}) to Slack"
else
  echo "::warning::Slack did not take the ${STACK} deployment message; the deployment itself ${OUTCOME}"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    echo "> :warning: Slack did not take the message about this run (${STACK}: ${OUTCOME}); nobody was told there." \
      >> "${GITHUB_STEP_SUMMARY}"
  fi
fi
