#!/bin/sh
# Runs the end-to-end tests (the parley server and two headless Chromium browsers)
# inside a fresh network namespace where only the loopback interface exists, so
# every packet, WebRTC included, stays on 127.0.0.1 / ::1.
#   PARLEY_BIN=/path/to/parley npm run e2e
# As root it uses `unshare --net`; otherwise an unprivileged user namespace
# (`unshare -rn`), where the kernel allows it.
set -eu
cd "$(dirname "$0")/.."

if [ -z "${PARLEY_BIN:-}" ]; then
  echo "e2e: PARLEY_BIN is not set: point it at the parley server binary, e.g." >&2
  echo "     PARLEY_BIN=../build/debug/parley npm run e2e" >&2
  exit 2
fi
command -v unshare >/dev/null 2>&1 || { echo "e2e: unshare (util-linux) is missing" >&2; exit 2; }
command -v ip >/dev/null 2>&1 || { echo "e2e: ip (iproute2) is missing: apt-get install iproute2" >&2; exit 2; }

if [ "$(id -u)" = 0 ]; then
  set -- unshare --net
else
  set -- unshare -rn
fi

# The tests bound every wait themselves; this is only the last line of defence.
# E2E_FILES picks test files (default: all of e2e/), e.g. E2E_FILES=e2e/features.test.mjs
export E2E_FILES="${E2E_FILES:-e2e/}"
exec timeout --kill-after=10 540 "$@" sh -c 'ip link set lo up && exec node --test $E2E_FILES'
