#!/usr/bin/env bash
# Builds the web client into web/dist when it is missing or older than its
# sources. npm packages come from the committed package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../web"

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

newest_source=$(find src index.html package.json package-lock.json vite.config.* tsconfig*.json public \
  -type f -newer dist/index.html 2>/dev/null | head -1 || true)
if [[ ! -f dist/index.html || -n $newest_source || ${1:-} == --force ]]; then
  npm run build
else
  echo "web: dist is up to date"
fi
