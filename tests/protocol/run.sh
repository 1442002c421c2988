#!/usr/bin/env bash
# The protocol definition checked against itself and against the real server:
# docs/protocol.schema.json compiles (JSON Schema 2020-12), its examples are
# valid, docs/openapi.yaml refers only to its definitions and lists the
# router's routes, and every message the server sent during the integration
# tests (the wire log they write, see tests/server/wire_log.hpp) is valid.
#
#   tests/protocol/run.sh WIRE_LOG
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log="$(realpath "${1:?usage: run.sh WIRE_LOG (written by the C++ integration tests)}")"
cd "$here"
# Node dependencies (ajv, yaml) from the committed lock file; refreshed when the lock changes.
if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi
PARLEY_WIRE_LOG="$log" node --test schema.test.mjs
