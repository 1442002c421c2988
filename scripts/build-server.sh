#!/usr/bin/env bash
# Builds the parley executable with a CMake preset (default: release), into
# build/<preset>/parley. scripts/run.sh and docker/Dockerfile both use it, so
# the image is built exactly the way the README builds it.
#   scripts/build-server.sh [PRESET] [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
shift || true
cmake --preset "$preset" "$@" >/dev/null
cmake --build --preset "$preset" --target parley
