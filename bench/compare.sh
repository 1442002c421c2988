#!/usr/bin/env bash
# Before/after figures in one run: two parley binaries (e.g. the previous
# commit's and this one's) and the yardstick relay take turns on the same
# scenarios, pinned like bench/run.sh (server on CPU 0, generator on CPU 1),
# BENCH_REPEAT times each (default 5), and the medians are compared. On a
# shared machine only ratios measured in the same run mean anything.
# Relay scenarios: 100, 1,000 and 5,000 pairs with 16 signals in flight per
# client, and 10 pairs with one in flight (BENCH_COMPARE_SCENARIOS replaces
# the list, as NAME:ARGS entries separated by ';'); then idle memory at
# 10,000 and 19,000 clients (BENCH_COMPARE_IDLE, space-separated; empty: none),
# once per binary. System calls per signal need perf (see syscall_counter).
#
#   bench/compare.sh BEFORE_PARLEY AFTER_PARLEY [BENCH_BIN YARDSTICK_BIN]
#
# Writes the JSON lines to ${BENCH_RESULTS_DIR:-bench/results}/compare.jsonl and
# prints, per scenario: msgs/s, server CPU µs per relayed signal (user + system),
# and after/before and parley/yardstick ratios.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
before=${1:?usage: compare.sh BEFORE_PARLEY AFTER_PARLEY [BENCH_BIN YARDSTICK_BIN]}
after=${2:?usage: compare.sh BEFORE_PARLEY AFTER_PARLEY [BENCH_BIN YARDSTICK_BIN]}
bench=${3:-$root/build/release/bench/parley-bench}
yardstick=${4:-$root/build/release/bench/parley-yardstick}
repeat=${BENCH_REPEAT:-5}
results=${BENCH_RESULTS_DIR:-$root/bench/results}
server_cpu=${BENCH_SERVER_CPU:-0}
client_cpu=${BENCH_CLIENT_CPU:-1}
mkdir -p "$results"
out=$results/compare.jsonl
: >"$out"
ulimit -Sn "$(ulimit -Hn)"
priority=()
if [[ ${BENCH_REALTIME:-1} == 1 ]] && chrt -f 10 true 2>/dev/null; then priority=(chrt -f 10); fi

work=$(mktemp -d "${TMPDIR:-/tmp}/parley-compare.XXXXXX")
# shellcheck source=bench/server_control.sh
source "$root/bench/server_control.sh"
trap 'stop_server; rm -rf "$work"' EXIT

# run LABEL BINARY KIND SCENARIO SCENARIO-ARGS...: one run against a fresh server.
run() {
  local label=$1 binary=$2 kind=$3 scenario=$4
  shift 4
  start_server "$binary" "$kind"
  "${priority[@]}" taskset -c "$client_cpu" "$bench" "$scenario" --target "$kind" --host 127.0.0.1 --port "$server_port" \
    --server-pid "$server_pid" --label "$label" --json-file "$out" --duration-limit 180 "$@" >/dev/null
  stop_server
}

default_scenarios="100w16:--pairs 100 --messages 1000 --window 16;1000w16:--pairs 1000 --messages 100 --window 16;5000w16:--pairs 5000 --messages 20 --window 16;10w1:--pairs 10 --messages 2000 --window 1"
IFS=';' read -r -a scenarios <<<"${BENCH_COMPARE_SCENARIOS:-$default_scenarios}"
read -r -a idle_sizes <<<"${BENCH_COMPARE_IDLE-10000 19000}"
for s in "${scenarios[@]}"; do
  name=${s%%:*}
  read -r -a args <<<"${s#*:}"
  for i in $(seq "$repeat"); do
    echo "== relay $name, round $i of $repeat" >&2
    run "$name before" "$before" parley relay "${args[@]}"
    run "$name after" "$after" parley relay "${args[@]}"
    run "$name yardstick" "$yardstick" yardstick relay "${args[@]}"
  done
done
for n in "${idle_sizes[@]}"; do
  echo "== idle $n" >&2
  run "idle$n before" "$before" parley idle --clients "$n"
  run "idle$n after" "$after" parley idle --clients "$n"
  run "idle$n yardstick" "$yardstick" yardstick idle --clients "$n"
done

median='[.[] | select(.label == $l) | .metrics[$k]] | sort | .[(length - 1) / 2 | floor]'
m() { jq -rs --arg l "$1" --arg k "$2" "($median) // 0" "$out"; }
ratio() { jq -n --argjson a "$1" --argjson b "$2" '($a / $b * 1000 | round) / 1000'; }
printf '%-9s %-10s %10s %11s %12s %12s %10s %8s %8s\n' scenario server 'msgs/s' 'cpu µs/msg' 'user µs/msg' \
  'sys µs/msg' 'syscalls' 'p50 µs' lost
for s in "${scenarios[@]}"; do
  name=${s%%:*}
  for who in before after yardstick; do
    printf '%-9s %-10s %10.0f %11.2f %12.2f %12.2f %10.2f %8.0f %8s\n' "$name" "$who" "$(m "$name $who" msgs_per_s)" \
      "$(m "$name $who" server_cpu_per_msg_us)" "$(m "$name $who" server_cpu_user_per_msg_us)" \
      "$(m "$name $who" server_cpu_sys_per_msg_us)" "$(m "$name $who" server_syscalls_per_msg)" \
      "$(m "$name $who" latency_p50_us)" "$(m "$name $who" lost)"
  done
  echo "$name after/before: msgs/s $(ratio "$(m "$name after" msgs_per_s)" "$(m "$name before" msgs_per_s)"), cpu/msg $(ratio "$(m "$name after" server_cpu_per_msg_us)" "$(m "$name before" server_cpu_per_msg_us)"); relay/yardstick msgs/s: before $(ratio "$(m "$name before" msgs_per_s)" "$(m "$name yardstick" msgs_per_s)"), after $(ratio "$(m "$name after" msgs_per_s)" "$(m "$name yardstick" msgs_per_s)")"
done
for n in "${idle_sizes[@]}"; do
  for who in before after yardstick; do
    echo "idle $n $who: $(m "idle$n $who" connected) connected, $(m "idle$n $who" server_bytes_per_connection) server bytes per connection"
  done
done
