#!/usr/bin/env bash
# Builds (release) and runs parley with the web client on http://localhost:5000.
# Extra arguments go to the server, e.g. scripts/run.sh --port 8080.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --run
cmake --preset release >/dev/null
cmake --build --preset release --target parley
bash scripts/web-build.sh

exec build/release/parley --web-root web/dist "$@"
