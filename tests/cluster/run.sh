#!/usr/bin/env bash
# Cluster tests: a real redis-server and three real parley processes on loopback
# (cross-instance chat, 500 users at once, an instance SIGKILLed, Redis restarted), and
# stall.test.mjs: an instance stopped past the log's length (its user's partner's message
# still arrives, or is replayed on resume).
#
#   tests/cluster/run.sh           PARLEY_BIN=/path/to/parley overrides the binary
#                                  (default: build/release, then build/asan, then build/debug)
# Prints node's test summary; exits non-zero when a test fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
# The helpers (ports, processes, HTTP) are the deployment tests'; ws comes from our own lock file.
if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi
command -v redis-server >/dev/null || { echo "tests/cluster: redis-server is missing (scripts/setup.sh installs it)" >&2; exit 1; }
echo "tests/cluster: $(redis-server --version | cut -d' ' -f1-3)"
exec nice -n 5 node --test --test-reporter=spec --test-timeout=120000 cluster.test.mjs stall.test.mjs
