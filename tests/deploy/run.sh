#!/usr/bin/env bash
# Deployment tests: docker/nginx.conf.template run by a real nginx in front of a real parley
# (TLS, REST, long polls, WebSocket, static client), docker-compose config, Dockerfile checks.
#
#   tests/deploy/run.sh            PARLEY_BIN=/path/to/parley overrides the binary
#                                  (default: build/release, then build/asan, then build/debug)
# Prints node's test summary; exits non-zero when a test fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

# Node dependencies (ws, yaml) from the committed lock file; refreshed when the lock changes.
if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi

if [[ -z "${PARLEY_BIN:-}" ]]; then
  for preset in release asan debug; do
    if [[ -x "$root/build/$preset/parley" ]]; then
      PARLEY_BIN="$root/build/$preset/parley"
      break
    fi
  done
fi
if [[ -z "${PARLEY_BIN:-}" ]]; then
  echo "tests/deploy: no parley binary (cmake --preset release && cmake --build --preset release, or set PARLEY_BIN)" >&2
  exit 1
fi
export PARLEY_BIN
# nginx-main.conf asks for 16384 connections per worker; let nginx have the open files.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "tests/deploy: parley = $PARLEY_BIN, nginx = $(/usr/sbin/nginx -v 2>&1 | sed 's/.*: //')"

exec nice -n 5 node --test --test-reporter=spec --test-timeout=120000 \
  nginx.test.mjs compose.test.mjs
