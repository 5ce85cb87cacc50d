#!/usr/bin/env bash
# azd postdeploy hook: point the SignalR upstream at the Functions SignalR webhook with its system key.
# The key (signalr_extension) exists only after the app has started, so Bicep cannot know it; this reads it with
# your az login and writes it into the upstream URL. Re-run after rotating the key.
set -euo pipefail
: "${AZURE_RESOURCE_GROUP:?}" "${AZURE_FUNCTION_APP_NAME:?}" "${SIGNALR_NAME:?}"

key=""
for _ in $(seq 1 30); do
  key=$(az functionapp keys list -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" --query "systemKeys.signalr_extension" -o tsv 2>/dev/null || true)
  [ -n "$key" ] && break
  # the extension registers its key on first start: wake the app and wait
  curl -s -o /dev/null "https://${AZURE_FUNCTION_APP_NAME}.azurewebsites.net/api/health" || true
  sleep 10
done
[ -n "$key" ] || { echo "signalr_extension key not found on $AZURE_FUNCTION_APP_NAME" >&2; exit 1; }

host=$(az functionapp show -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" --query defaultHostName -o tsv)
id=$(az signalr show -g "$AZURE_RESOURCE_GROUP" -n "$SIGNALR_NAME" --query id -o tsv)
az resource update --ids "$id" --set "properties.upstream.templates[0].urlTemplate=https://${host}/runtime/webhooks/signalr?code=${key}" -o none
echo "SignalR upstream now targets https://${host}/runtime/webhooks/signalr"
