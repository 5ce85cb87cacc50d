#!/bin/sh
# azd prepackage hook: build here and stage exactly what the Functions host needs in .deploy/ (azure.yaml dist):
# the compiled app (dist/functions, dist/shared), host.json, package.json and production dependencies only.
set -eu
cd "$(dirname "$0")/.."
npm run build
rm -rf .deploy
mkdir -p .deploy/dist
cp -R dist/functions dist/shared .deploy/dist/
cp host.json package.json package-lock.json .deploy/
(cd .deploy && npm ci --omit=dev --ignore-scripts --no-audit --no-fund)
echo "staged $(du -sh .deploy | cut -f1) in .deploy/"
