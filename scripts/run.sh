#!/usr/bin/env bash
# Builds (release) and runs parley with the web client on http://localhost:5000.
# Extra arguments go to the server, e.g. scripts/run.sh --port 8080.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --run
bash scripts/build-server.sh release
bash scripts/web-build.sh

exec build/release/parley --web-root web/dist "$@"
