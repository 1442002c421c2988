#!/usr/bin/env bash
# The benchmark run: builds parley, parley-bench and parley-yardstick in
# release mode, runs the standard scenarios against parley and against the
# yardstick relay with the same load, and writes bench/results/:
#   results.txt    the tables, as parley-bench prints them
#   results.jsonl  one JSON object per run (what the tables and plot come from)
#   summary.md     the figures the targets are about, with parley/yardstick ratios
#   latency.png    one-way relay latency by percentile (gnuplot)
#   machine.txt    date, CPU, cores, kernel, commit and command of the run
#
# Usage: bench/run.sh [--quick]   (--quick: tiny sizes, to check the script)
# Takes about 2 minutes after the build. Needs cmake, ninja, taskset and
# chrt (util-linux), jq and gnuplot (gnuplot-nox).
#
# Server and generator are pinned to different cores: the server with
# taskset -c 0, the generator with taskset -c 1 (BENCH_SERVER_CPU and
# BENCH_CLIENT_CPU change them). Both run with real-time priority
# (chrt -f 10) when allowed: on a machine shared with other work, scheduler
# delays of several ms otherwise dominate the latency tail; BENCH_REALTIME=0
# turns that off. Relay runs at full speed are repeated BENCH_REPEAT times
# (default 3), alternating parley and yardstick; the summary uses the median.
# PARLEY_BIN, PARLEY_BENCH_BIN and PARLEY_YARDSTICK_BIN, all three set, skip
# the build and use those binaries.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
quick=0
[[ ${1:-} == --quick ]] && quick=1

results=${BENCH_RESULTS_DIR:-$root/bench/results}
server_cpu=${BENCH_SERVER_CPU:-0}
client_cpu=${BENCH_CLIENT_CPU:-1}
for tool in cmake taskset jq gnuplot; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (see docs/performance.md)" >&2; exit 1; }
done

if [[ -n ${PARLEY_BIN:-} && -n ${PARLEY_BENCH_BIN:-} && -n ${PARLEY_YARDSTICK_BIN:-} ]]; then
  # Prebuilt binaries (e.g. while trying the script itself): no build.
  parley=$PARLEY_BIN bench=$PARLEY_BENCH_BIN yardstick=$PARLEY_YARDSTICK_BIN
else
  echo "== building (release)"
  nice cmake --preset release >/dev/null
  nice cmake --build --preset release --target parley parley-bench parley-yardstick
  bin=$root/build/release
  parley=$bin/parley
  bench=$bin/bench/parley-bench
  yardstick=$bin/bench/parley-yardstick
fi

# Every connection is a file descriptor, on both sides: use the hard limit.
ulimit -Sn "$(ulimit -Hn)"

priority=()
if [[ ${BENCH_REALTIME:-1} == 1 ]] && chrt -f 10 true 2>/dev/null; then
  priority=(chrt -f 10)
fi
repeat=${BENCH_REPEAT:-3}

mkdir -p "$results"
work=$(mktemp -d "${TMPDIR:-/tmp}/parley-bench-run.XXXXXX")
rm -f "$results/results.jsonl" "$results/results.txt"
# shellcheck source=bench/server_control.sh
source "$root/bench/server_control.sh"
trap 'stop_server; rm -rf "$work"' EXIT

failures=0
# bench LABEL TARGET SCENARIO ARGS...: one run against a fresh server.
bench() {
  local label=$1 target=$2 scenario=$3
  shift 3
  if [[ $target == parley ]]; then start_server "$parley" parley; else start_server "$yardstick" yardstick; fi
  echo "== $label" >&2
  if ! "${priority[@]}" taskset -c "$client_cpu" "$bench" "$scenario" --target "$target" --host 127.0.0.1 \
      --port "$server_port" --server-pid "$server_pid" --label "$label" \
      --json-file "$results/results.jsonl" --duration-limit 180 "$@" | tee -a "$results/results.txt"; then
    failures=$((failures + 1))
    echo "run.sh: $label FAILED; server log tail:" >&2
    tail -n 20 "$work/server.log" >&2
  fi
  stop_server
}

# The median run of LABEL (by delivered msgs/s when there are repeats).
median_run='[.[] | select(.label == $name)] | sort_by(.metrics.msgs_per_s // 0) | .[(length - 1) / 2 | floor] // empty'

# metric LABEL KEY: a figure of the median run of LABEL.
metric() {
  jq -rs --arg name "$1" --arg key "$2" "$median_run | .metrics[\$key] // empty" "$results/results.jsonl"
}

if [[ $quick == 1 ]]; then
  small_pairs=10 small_msgs=100 big_pairs=200 big_msgs=5 sat_pairs=100 idle=500 match=1000 churn=200 rest_users=4 rest_msgs=20
else
  small_pairs=100 small_msgs=1000 big_pairs=5000 big_msgs=20 sat_pairs=1000 idle=19000 match=10000 churn=2000 rest_users=50 rest_msgs=100
fi

for _ in $(seq "$repeat"); do
  for target in parley yardstick; do
    bench "relay ${small_pairs}x${small_msgs} $target" "$target" relay --pairs "$small_pairs" --messages "$small_msgs"
  done
done
for _ in $(seq "$repeat"); do
  for target in parley yardstick; do
    bench "relay ${big_pairs}x${big_msgs} $target" "$target" relay --pairs "$big_pairs" --messages "$big_msgs"
  done
done

# Latency at half of parley's saturation rate, with 1,000 pairs: first find
# the rate parley saturates at, then offer half of it (to both servers)
# for about ten seconds.
for _ in $(seq "$repeat"); do
  bench "relay ${sat_pairs} pairs saturation parley" parley relay --pairs "$sat_pairs" --messages 100
done
saturation=$(metric "relay ${sat_pairs} pairs saturation parley" msgs_per_s)
saturation=${saturation:-2000}
half=$(jq -n --argjson s "$saturation" '($s / 2) | floor')
half_msgs=$(jq -n --argjson r "$half" --argjson p "$sat_pairs" '[[($r * 10 / (2 * $p)) | ceil, 20] | max, 2000] | min')
for target in parley yardstick; do
  bench "relay ${sat_pairs} pairs at half saturation $target" "$target" relay --pairs "$sat_pairs" \
    --messages "$half_msgs" --rate "$half"
done
if [[ ${#priority[@]} -gt 0 ]]; then
  # The same at normal priority, to show what the shared machine adds.
  saved=("${priority[@]}")
  priority=()
  bench "relay ${sat_pairs} pairs at half saturation parley, normal priority" parley relay \
    --pairs "$sat_pairs" --messages "$half_msgs" --rate "$half"
  priority=("${saved[@]}")
fi

for target in parley yardstick; do
  bench "idle ${idle} $target" "$target" idle --clients "$idle"
done

# Issue 16's figures: server CPU (user + system) and system calls per relayed
# signal with 16 signals in flight per client at three sizes, and with one in
# flight; idle memory also at the smaller size. Each run relays about 200,000
# signals (a few seconds).
if [[ $quick == 1 ]]; then
  w16=("10:200" "50:40" "200:10") one_pairs=4 one_msgs=200 idle_small=200
else
  w16=("100:1000" "1000:100" "5000:20") one_pairs=10 one_msgs=2000 idle_small=10000
fi
for _ in $(seq "$repeat"); do
  for size in "${w16[@]}"; do
    for target in parley yardstick; do
      bench "relay ${size%%:*} pairs w16 $target" "$target" relay --pairs "${size%%:*}" --messages "${size#*:}" --window 16
    done
  done
  for target in parley yardstick; do
    bench "relay ${one_pairs} pairs w1 $target" "$target" relay --pairs "$one_pairs" --messages "$one_msgs" --window 1
  done
done
for target in parley yardstick; do
  bench "idle ${idle_small} $target" "$target" idle --clients "$idle_small"
done

bench "match ${match} parley" parley match --clients "$match" --wave 1000
bench "match churn ${churn}x10 parley" parley match --clients "$churn" --wave 1000 --churn --rounds 10
bench "rest ${rest_users}x${rest_msgs} parley" parley rest --clients "$rest_users" --messages "$rest_msgs"

echo "== summary"
cpu_model=$(sed -nE 's/^model name\s*:\s*//p' /proc/cpuinfo | head -n1)
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu: ${cpu_model:-unknown}; nproc: $(nproc)"
  echo "kernel: $(uname -sr)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo none)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with local changes)')"
  echo "command: bench/run.sh $*"
  [[ -n ${PARLEY_BIN:-} ]] && echo "prebuilt binaries: $parley $bench $yardstick"
  echo "pinning: server on CPU $server_cpu, generator on CPU $client_cpu; priority: ${priority[*]:-normal}; repeats: $repeat"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$results/machine.txt"

# Lost plus misrouted signals over every run of LABEL (all repeats).
lost_plus_misrouted() {
  jq -rs --arg name "$1" '[.[] | select(.label == $name) | (.metrics.lost // 0) + (.metrics.misrouted // 0)] | add // empty' \
    "$results/results.jsonl"
}
ratio() { jq -rn --arg a "$1" --arg b "$2" 'if ($a|length)>0 and ($b|length)>0 and ($b|tonumber)>0 then (($a|tonumber)/($b|tonumber)*100|round/100) else "n/a" end'; }
fmt() { jq -rn --arg v "$1" --argjson d "${2:-1}" 'if ($v|length)>0 then (($v|tonumber) * pow(10;$d) | round / pow(10;$d)) else "n/a" end'; }
{
  echo "# parley benchmark summary"
  echo
  sed 's/^/    /' "$results/machine.txt"
  echo
  echo "| figure | parley | yardstick | parley/yardstick | target |"
  echo "|---|---|---|---|---|"
  for size in "${small_pairs}x${small_msgs}" "${big_pairs}x${big_msgs}"; do
    p=$(metric "relay $size parley" msgs_per_s) y=$(metric "relay $size yardstick" msgs_per_s)
    echo "| relay $size: delivered msgs/s | $(fmt "$p" 0) | $(fmt "$y" 0) | $(ratio "$p" "$y") | >= 0.7 |"
    p=$(lost_plus_misrouted "relay $size parley") y=$(lost_plus_misrouted "relay $size yardstick")
    echo "| relay $size: lost + misrouted | ${p:-n/a} | ${y:-n/a} | | 0 |"
    p=$(metric "relay $size parley" server_cpu_per_msg_us) y=$(metric "relay $size yardstick" server_cpu_per_msg_us)
    echo "| relay $size: server CPU per signal (us) | $(fmt "$p" 2) | $(fmt "$y" 2) | $(ratio "$p" "$y") | <= 2 |"
    # One core's capacity is inversely proportional to CPU per signal: this
    # ratio does not depend on whether the generator kept up.
    echo "| relay $size: capacity ratio from CPU per signal | | | $(ratio "$y" "$p") | >= 0.7 |"
    p=$(metric "relay $size parley" server_cpu_user_per_msg_us) y=$(metric "relay $size yardstick" server_cpu_user_per_msg_us)
    echo "| relay $size: server user CPU per signal (us) | $(fmt "$p" 2) | $(fmt "$y" 2) | $(ratio "$p" "$y") | |"
    p=$(metric "relay $size parley" generator_cpu_utilisation) y=$(metric "relay $size yardstick" generator_cpu_utilisation)
    echo "| relay $size: generator CPU / wall | $(fmt "$p" 2) | $(fmt "$y" 2) | | |"
  done
  echo "| relay ${sat_pairs} pairs: saturation msgs/s | $(fmt "$saturation" 0) | | | |"
  label="relay ${sat_pairs} pairs at half saturation"
  p=$(metric "$label parley" msgs_per_s) y=$(metric "$label yardstick" msgs_per_s)
  echo "| relay ${sat_pairs} pairs at $half msgs/s: achieved msgs/s | $(fmt "$p" 0) | $(fmt "$y" 0) | | |"
  p=$(metric "$label parley" latency_p50_us) y=$(metric "$label yardstick" latency_p50_us)
  echo "| relay ${sat_pairs} pairs at $half msgs/s: p50 latency (us) | $(fmt "$p" 0) | $(fmt "$y" 0) | $(ratio "$p" "$y") | |"
  p=$(metric "$label parley" latency_p99_us) y=$(metric "$label yardstick" latency_p99_us)
  echo "| relay ${sat_pairs} pairs at $half msgs/s: p99 latency (us) | $(fmt "$p" 0) | $(fmt "$y" 0) | $(ratio "$p" "$y") | < 2000 |"
  p=$(metric "$label parley, normal priority" latency_p99_us)
  [[ -n $p ]] && echo "| same, normal priority: p99 latency (us) | $(fmt "$p" 0) | | | |"
  p=$(metric "idle ${idle} parley" server_bytes_per_connection) y=$(metric "idle ${idle} yardstick" server_bytes_per_connection)
  echo "| idle ${idle}: server bytes per connection | $(fmt "$p" 0) | $(fmt "$y" 0) | $(ratio "$p" "$y") | <= 5120 |"
  p=$(metric "idle ${idle} parley" connected) y=$(metric "idle ${idle} yardstick" connected)
  echo "| idle ${idle}: connections held | ${p:-n/a} | ${y:-n/a} | | ${idle} |"
  p=$(metric "match ${match} parley" server_cpu_s)
  echo "| match ${match}: server CPU s (connect + start + match) | $(fmt "$p" 2) | | | < 1 |"
  p=$(metric "match ${match} parley" server_cpu_match_s)
  echo "| match ${match}: server CPU s (start + match only) | $(fmt "$p" 2) | | | |"
  p=$(metric "match ${match} parley" matches_per_s)
  echo "| match ${match}: matches/s | $(fmt "$p" 0) | | | |"
  p=$(metric "match ${match} parley" time_to_match_p99_us)
  echo "| match ${match}: p99 time to match (us) | $(fmt "$p" 0) | | | |"
  p=$(metric "match churn ${churn}x10 parley" churn_matches_per_s)
  echo "| match churn ${churn}x10: matches/s | $(fmt "$p" 0) | | | |"
  p=$(metric "rest ${rest_users}x${rest_msgs} parley" requests_per_s)
  echo "| rest ${rest_users} users: requests/s | $(fmt "$p" 0) | | | |"
  p=$(metric "rest ${rest_users}x${rest_msgs} parley" latency_p99_us)
  echo "| rest ${rest_users} users: p99 request latency (us) | $(fmt "$p" 0) | | | |"
  echo
  echo "Issue 16 (server CPU and system calls per relayed signal; medians of $repeat runs):"
  echo
  echo "| relay | server | CPU µs/signal (user + system) | system calls/signal | p50 latency µs | signals/s |"
  echo "|---|---|---|---|---|---|"
  for label in "${w16[@]%%:*}"; do
    for target in parley yardstick; do
      l="relay $label pairs w16 $target"
      echo "| $label pairs, 16 in flight | $target | $(fmt "$(metric "$l" server_cpu_per_msg_us)" 2) ($(fmt "$(metric "$l" server_cpu_user_per_msg_us)" 2) + $(fmt "$(metric "$l" server_cpu_sys_per_msg_us)" 2)) | $(fmt "$(metric "$l" server_syscalls_per_msg)" 2) | $(fmt "$(metric "$l" latency_p50_us)" 0) | $(fmt "$(metric "$l" msgs_per_s)" 0) |"
    done
  done
  for target in parley yardstick; do
    l="relay ${one_pairs} pairs w1 $target"
    echo "| ${one_pairs} pairs, one in flight | $target | $(fmt "$(metric "$l" server_cpu_per_msg_us)" 2) ($(fmt "$(metric "$l" server_cpu_user_per_msg_us)" 2) + $(fmt "$(metric "$l" server_cpu_sys_per_msg_us)" 2)) | $(fmt "$(metric "$l" server_syscalls_per_msg)" 2) | $(fmt "$(metric "$l" latency_p50_us)" 0) | $(fmt "$(metric "$l" msgs_per_s)" 0) |"
  done
  for n in "$idle_small" "$idle"; do
    p=$(metric "idle $n parley" server_bytes_per_connection) y=$(metric "idle $n yardstick" server_bytes_per_connection)
    echo "| idle $n: server bytes per connection | parley $(fmt "$p" 0) | yardstick $(fmt "$y" 0) | target <= 1024 | | |"
  done
  echo
  echo "Failed runs: $failures (details in results.txt)."
} >"$results/summary.md"
cat "$results/summary.md"

echo "== plot"
plot_args=()
index=0
for label in "relay ${small_pairs}x${small_msgs} parley" "relay ${small_pairs}x${small_msgs} yardstick" \
             "relay ${big_pairs}x${big_msgs} parley" "relay ${big_pairs}x${big_msgs} yardstick" \
             "relay ${sat_pairs} pairs at half saturation parley" "relay ${sat_pairs} pairs at half saturation yardstick"; do
  index=$((index + 1))
  # Columns: 1/(1-p) (so 99% is 100, 99.9% is 1000), latency in us; max at 10^6.
  jq -rs --arg name "$label" "$median_run"' | .curves.latency[]? |
      "\(if .[0] >= 100 then 1000000 else (1 / (1 - .[0] / 100)) end) \(.[1])"' \
      "$results/results.jsonl" >"$work/curve$index.dat"
  plot_args+=("$work/curve$index.dat" "$label")
done
gnuplot -e "out='$results/latency.png'" \
        -e "f1='${plot_args[0]}'; t1='${plot_args[1]}'; f2='${plot_args[2]}'; t2='${plot_args[3]}'" \
        -e "f3='${plot_args[4]}'; t3='${plot_args[5]}'; f4='${plot_args[6]}'; t4='${plot_args[7]}'" \
        -e "f5='${plot_args[8]}'; t5='${plot_args[9]}'; f6='${plot_args[10]}'; t6='${plot_args[11]}'" \
        -e "half='$half'; pairs='$sat_pairs'" "$root/bench/latency.gp"
echo "results in $results"
[[ $failures -eq 0 ]]
