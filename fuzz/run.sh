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
failed=()
for target in "${targets[@]}"; do
  work=build/fuzz/corpus/$target
  mkdir -p "$work" build/fuzz/artifacts fuzz/corpus/$target fuzz/regressions/$target
  # Every committed regression input must still pass.
  if compgen -G "fuzz/regressions/$target/*" >/dev/null; then
    build/fuzz/fuzz/$target -runs=0 fuzz/regressions/$target/* >/dev/null 2>&1 ||
      { echo "fuzz: $target fails a regression input" >&2; failed+=("$target"); continue; }
  fi
  log=build/fuzz/$target.log
  if build/fuzz/fuzz/$target -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
       -max_len=8192 -artifact_prefix=build/fuzz/artifacts/$target- -print_final_stats=1 \
       "$work" fuzz/corpus/$target >"$log" 2>&1; then
    runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
    added=$(sed -nE 's/^stat::new_units_added: *([0-9]+)/\1/p' "$log")
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    echo "fuzz: $target ${seconds}s, ${runs:-?} runs, ${added:-?} new inputs, corpus $(ls "$work" | wc -l) in $work" \
      "(+ $(ls fuzz/corpus/$target | wc -l) seeds), ${cov:-cov ?}, no crash"
  else
    echo "fuzz: $target FOUND A CRASH (see $log and build/fuzz/artifacts/); commit the input under fuzz/regressions/$target/" >&2
    failed+=("$target")
  fi
done
((${#failed[@]} == 0))
