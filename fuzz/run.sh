#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS each (default 30) on its committed
# seed corpus (fuzz/corpus/<target>/) and on the regression inputs
# (fuzz/regressions/<target>/, each a crash once found). New inputs go to
# build/fuzz/corpus/<target>/, crashes to build/fuzz/artifacts/; the committed
# corpus is not changed. Exit status: non-zero if any target found a crash.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]     (long runs: fuzz/run.sh 3600)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(client_command_fuzzer rest_router_fuzzer static_path_fuzzer websocket_session_fuzzer)
bash fuzz/build.sh >/dev/null
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
jobs=${PARLEY_FUZZ_JOBS:-$(nproc)}
((jobs >= 1)) || jobs=1

# run_target TARGET: its regression inputs, then SECONDS of fuzzing; prints one line and
# returns non-zero on a crash.
run_target() {
  local target=$1 work=build/fuzz/corpus/$1 log=build/fuzz/$1.log
  mkdir -p "$work" build/fuzz/artifacts fuzz/corpus/$target fuzz/regressions/$target
  # Every committed regression input must still pass.
  if compgen -G "fuzz/regressions/$target/*" >/dev/null; then
    build/fuzz/fuzz/$target -runs=0 fuzz/regressions/$target/* >/dev/null 2>&1 ||
      { echo "fuzz: $target fails a regression input" >&2; return 1; }
  fi
  if build/fuzz/fuzz/$target -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
       -max_len=8192 -artifact_prefix=build/fuzz/artifacts/$target- -print_final_stats=1 \
       "$work" fuzz/corpus/$target >"$log" 2>&1; then
    local runs added cov
    runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
    added=$(sed -nE 's/^stat::new_units_added: *([0-9]+)/\1/p' "$log")
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    echo "fuzz: $target ${seconds}s, ${runs:-?} runs, ${added:-?} new inputs, corpus $(ls "$work" | wc -l) in $work" \
      "(+ $(ls fuzz/corpus/$target | wc -l) seeds), ${cov:-cov ?}, no crash"
  else
    echo "fuzz: $target FOUND A CRASH (see $log and build/fuzz/artifacts/); commit the input under fuzz/regressions/$target/" >&2
    return 1
  fi
}

# Targets run side by side, one per core (PARLEY_FUZZ_JOBS): each still gets its SECONDS.
failed=()
declare -A running=()
finish_one() {
  local pid
  wait -n -p pid "${!running[@]}" || failed+=("${running[$pid]}")
  unset "running[$pid]"
}
for target in "${targets[@]}"; do
  ((${#running[@]} < jobs)) || finish_one
  run_target "$target" &
  running[$!]=$target
done
while ((${#running[@]})); do finish_one; done
((${#failed[@]} == 0)) || { echo "fuzz: failed: ${failed[*]}" >&2; exit 1; }
