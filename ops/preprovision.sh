#!/bin/sh
# azd preprovision hook: stop before Azure is touched when the deployer's object id is unknown; main.bicep needs it
# so that the next provision reads the Functions host keys back instead of regenerating them.
set -eu
if [ -z "${AZURE_PRINCIPAL_ID:-}" ]; then
  echo "AZURE_PRINCIPAL_ID is empty: run 'azd auth login' (or 'azd env set AZURE_PRINCIPAL_ID <object id>') first" >&2
  exit 1
fi
