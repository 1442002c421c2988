#!/usr/bin/env bash
# Runs every test suite: the C++ unit and integration tests (ASan + UBSan
# build, including the load generator's smoke run), the protocol schema
# checks, a short run of every fuzz target and the fast reliability
# scenarios, the web client's unit tests, the browser end-to-end tests, the
# cluster tests (a real redis-server and three parley processes), the
# nginx deployment tests and the container tests (images built and the
# compose stack run with podman).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Each step's wall time is printed at the end, so a slow suite is visible.
timings=()
step_name=setup
step_start=$SECONDS
suite_start=$SECONDS
end_step() { timings+=("$(printf '%5d s  %s' $((SECONDS - step_start)) "$step_name")"); }
step() {
  end_step
  step_name=$*
  step_start=$SECONDS
  printf '\n==== %s ====\n' "$*"
}
failed=()

bash scripts/setup.sh

step "C++ build (asan preset)"
cmake --preset asan >/dev/null
cmake --build --preset asan

step "C++ tests (ctest)"
# The integration tests log every message the server sends; the protocol
# step validates each against docs/protocol.schema.json.
wire_log=$root/build/asan/wire-log.jsonl
rm -f "$wire_log"
PARLEY_WIRE_LOG=$wire_log ctest --preset asan -j2 || failed+=("ctest")

step "abuse resistance: fuzz smoke (each target ${PARLEY_FUZZ_SECONDS:-30} s) and the fast reliability scenarios"
# fuzz/run.sh 3600 runs them longer; see docs/reliability.md.
bash fuzz/run.sh "${PARLEY_FUZZ_SECONDS:-30}" || failed+=("fuzz")
python3 tests/reliability/suite.py "$root/build/asan/parley" || failed+=("reliability")

step "protocol schema: the definition, and every message sent in the C++ tests (node:test)"
bash tests/protocol/run.sh "$wire_log" || failed+=("protocol")

step "web client: build and unit tests (Vitest)"
bash scripts/web-build.sh --force
(cd web && npm test) || failed+=("vitest")

export PARLEY_BIN=$root/build/asan/parley
# web/e2e/cluster.test.mjs among them: two pages on two instances sharing a redis-server.
step "browser end-to-end tests (Chromium, node:test)"
(cd web && npm run e2e) || failed+=("e2e")

step "cluster tests (redis-server + three parley processes, node:test)"
bash tests/cluster/run.sh || failed+=("cluster")

step "deployment tests (nginx + TLS, node:test)"
bash tests/deploy/run.sh || failed+=("deploy")

step "container tests (podman: images built, the compose stack and the cluster stack run)"
bash tests/containers/run.sh || failed+=("containers")

end_step
printf '\n==== time per step ====\n'
printf '%s\n' "${timings[@]}"
printf '%5d s  in all\n' $((SECONDS - suite_start))

if ((${#failed[@]} > 0)); then
  printf '\nFAILED suites: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nall suites passed\n'
