#!/usr/bin/env bash
# parley-bench against a two-instance cluster (REDIS_URL), next to one
# in-memory instance, in the same run and with the same load:
#   - relay: P pairs, each partner on a different instance, exchange K signals
#     (offer/answer, then ICE candidates): signals/s, latency, and server CPU
#     per relayed signal with both instances AND redis-server counted;
#   - match: N clients start video in waves: matches/s and time to match.
# Every pair is made on purpose (--paired-interests: clients 2k and 2k+1 share
# an interest nobody else has); client 2k talks to instance A, 2k+1 to B, so
# in the cluster every signal crosses Redis. The single instance gets the
# same frames on one port.
#
# Usage: bench/cluster.sh [--quick]   (--quick: tiny sizes, to check the script)
# Writes bench/results/cluster/{results.jsonl,results.txt,summary.md,machine.txt}
# (BENCH_RESULTS_DIR overrides) and prints summary.md. Needs cmake, taskset,
# jq, curl and redis-server (Debian's package).
#
# Pinning as in bench/run.sh: every server process (the instance, or both
# instances and redis-server) on core BENCH_SERVER_CPU (0), the generator on
# BENCH_CLIENT_CPU (1); real-time priority unless BENCH_REALTIME=0. So both
# set-ups get the same single core, and the cluster's figures show what the
# Redis round trip costs per signal, not what a second core would add.
# Each measurement runs BENCH_REPEAT times (default 3), alternating single
# and cluster, against fresh processes (a fresh Redis too); the summary takes
# the median run. PARLEY_BIN and PARLEY_BENCH_BIN, both set, skip the build.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
quick=0
[[ ${1:-} == --quick ]] && quick=1

results=${BENCH_RESULTS_DIR:-$root/bench/results/cluster}
server_cpu=${BENCH_SERVER_CPU:-0}
client_cpu=${BENCH_CLIENT_CPU:-1}
repeat=${BENCH_REPEAT:-3}
for tool in cmake taskset jq curl redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "cluster.sh: $tool is missing (see docs/performance.md)" >&2; exit 1; }
done

if [[ -n ${PARLEY_BIN:-} && -n ${PARLEY_BENCH_BIN:-} ]]; then
  parley=$PARLEY_BIN bench=$PARLEY_BENCH_BIN
else
  echo "== building (release)"
  nice cmake --preset release >/dev/null
  nice cmake --build --preset release --target parley parley-bench
  parley=$root/build/release/parley
  bench=$root/build/release/bench/parley-bench
fi

ulimit -Sn "$(ulimit -Hn)"
priority=()
if [[ ${BENCH_REALTIME:-1} == 1 ]] && chrt -f 10 true 2>/dev/null; then
  priority=(chrt -f 10)
fi

mkdir -p "$results"
work=$(mktemp -d "${TMPDIR:-/tmp}/parley-bench-cluster.XXXXXX")
mkdir -p "$work/web"
rm -f "$results/results.jsonl" "$results/results.txt"

pids=()        # every process of the current set-up, for stop_all
ports=()       # the parley instances' ports
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=() ports=()
}
trap 'stop_all; rm -rf "$work"' EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# The load comes from one address and floods on purpose (see server_control.sh);
# INTEREST_FALLBACK_S is long so a pair's interest always decides the match.
parley_flags=(--rate-messages-per-s 0 --rate-typing-per-s 0 --rate-signals-per-s 0
  --rate-identities-per-min 0 --rate-requests-per-s 0 --max-connections-per-address 0
  --rematch-cooldown-s 0 --interest-fallback-s 600)

# start_parley NAME [VAR=VALUE...]: one instance on a free port; appends to pids/ports.
start_parley() {
  local name=$1 log=$work/$1.log port
  shift
  : >"$log"
  env "$@" SPAM_STRANGERS=0 LOG_LEVEL=warn "${priority[@]}" taskset -c "$server_cpu" "$parley" \
    --host 127.0.0.1 --port 0 --web-root "$work/web" "${parley_flags[@]}" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    port=$(sed -nE 's#.*listening on http://[^ ]*:([0-9]+).*#\1#p' "$log" | head -n1)
    if [[ -n $port ]]; then ports+=("$port"); return 0; fi
    sleep 0.1
  done
  echo "cluster.sh: $name did not start:" >&2
  cat "$log" >&2
  exit 1
}

# setup single|cluster: fresh processes; sets pids (server first) and ports.
setup() {
  stop_all
  if [[ $1 == single ]]; then
    start_parley single
    return
  fi
  local redis_port
  redis_port=$(free_port)
  "${priority[@]}" taskset -c "$server_cpu" redis-server --port "$redis_port" --bind 127.0.0.1 \
    --save "" --appendonly no --dir "$work" --logfile "$work/redis.log" &
  local redis_pid=$!
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  local url=redis://127.0.0.1:$redis_port secret
  secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  start_parley a REDIS_URL="$url" HASH_SECRET="$secret"
  start_parley b REDIS_URL="$url" HASH_SECRET="$secret"
  pids+=("$redis_pid")
  # Both instances start before any client: ready once each sees the other ticking.
  local p ok
  for p in "${ports[@]}"; do
    ok=0
    for _ in $(seq 100); do
      if [[ $(curl -sf "http://127.0.0.1:$p/health" | jq -r '.instances // 0') == 2 ]]; then ok=1; break; fi
      sleep 0.1
    done
    ((ok)) || { echo "cluster.sh: instance on $p never saw two instances" >&2; cat "$work"/a.log "$work"/b.log >&2; exit 1; }
  done
}

failures=0
# run LABEL SETUP SCENARIO ARGS...
run() {
  local label=$1 kind=$2 scenario=$3
  shift 3
  setup "$kind"
  local target=(--port "${ports[0]}" --server-pid "${pids[0]}")
  if [[ $kind == cluster ]]; then target+=(--port-b "${ports[1]}" --cpu-pid "${pids[1]}" --cpu-pid "${pids[2]}"); fi
  echo "== $label" >&2
  if ! "${priority[@]}" taskset -c "$client_cpu" "$bench" "$scenario" --host 127.0.0.1 "${target[@]}" \
      --paired-interests --label "$label" --json-file "$results/results.jsonl" --duration-limit 180 "$@" |
      tee -a "$results/results.txt"; then
    failures=$((failures + 1))
    echo "cluster.sh: $label FAILED; logs:" >&2
    tail -n 20 "$work"/*.log >&2
  fi
  stop_all
}

if [[ $quick == 1 ]]; then
  pairs=10 msgs=100 rate=1000 rate_msgs=20 match=200 wave=100
else
  pairs=100 msgs=1000 rate=2000 rate_msgs=50 match=4000 wave=1000
fi
for _ in $(seq "$repeat"); do
  for kind in single cluster; do
    run "relay ${pairs}x${msgs} $kind" "$kind" relay --pairs "$pairs" --messages "$msgs"
  done
done
# Latency below saturation: the same pairs at a fixed total rate both set-ups sustain.
for _ in $(seq "$repeat"); do
  for kind in single cluster; do
    run "relay ${pairs} pairs at ${rate}/s $kind" "$kind" relay --pairs "$pairs" --messages "$rate_msgs" --rate "$rate"
  done
done
for _ in $(seq "$repeat"); do
  for kind in single cluster; do
    run "match ${match} $kind" "$kind" match --clients "$match" --wave "$wave"
  done
done

# Redis alone: how many appends like parley's (XADD with MAXLEN ~, one ~200-byte field)
# one redis-server takes on the server core, 50 clients with 16 commands pipelined each.
redis_port=$(free_port)
"${priority[@]}" taskset -c "$server_cpu" redis-server --port "$redis_port" --bind 127.0.0.1 \
  --save "" --appendonly no --dir "$work" --logfile "$work/redis-alone.log" &
pids=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
field=$(head -c 150 /dev/zero | tr '\0' x)
xadd_per_s=$("${priority[@]}" taskset -c "$client_cpu" redis-benchmark -p "$redis_port" -c 50 -P 16 -n "$((quick ? 20000 : 1000000))" -q \
  XADD parley:bench MAXLEN '~' 10000 '*' b "$field" | tr '\r' '\n' | sed -nE 's/.*: ([0-9.]+) requests per second.*/\1/p' | tail -n1)
echo "redis-benchmark XADD: ${xadd_per_s:-?} requests/s" | tee -a "$results/results.txt"
stop_all

# The median run of LABEL (by the scenario's main figure).
median='[.[] | select(.label == $name)] | sort_by(.metrics.msgs_per_s // .metrics.matches_per_s // 0) | .[(length - 1) / 2 | floor] // empty'
metric() { jq -rs --arg name "$1" --arg key "$2" "$median | .metrics[\$key] // empty" "$results/results.jsonl"; }
fmt() { jq -rn --arg v "$1" --argjson d "${2:-1}" 'if ($v|length)>0 then (($v|tonumber) * pow(10;$d) | round / pow(10;$d)) else "n/a" end'; }
ratio() { jq -rn --arg a "$1" --arg b "$2" 'if ($a|length)>0 and ($b|length)>0 and ($b|tonumber)>0 then (($a|tonumber)/($b|tonumber)*100|round/100) else "n/a" end'; }
row() { # row TITLE LABEL_STEM KEY SCALE DIGITS
  local s c
  s=$(metric "$2 single" "$3") c=$(metric "$2 cluster" "$3")
  [[ -n $s ]] && s=$(jq -rn --arg v "$s" --argjson k "$4" '($v|tonumber) * $k')
  [[ -n $c ]] && c=$(jq -rn --arg v "$c" --argjson k "$4" '($v|tonumber) * $k')
  printf '| %s | %s | %s | %s |\n' "$1" "$(fmt "$s" "$5")" "$(fmt "$c" "$5")" "$(ratio "$c" "$s")"
}
per_match_us() { # server CPU in match phases per match, in µs
  local cpu n
  cpu=$(metric "$1" server_cpu_match_s) n=$(metric "$1" matches)
  [[ -n $cpu && -n $n ]] && jq -rn --argjson c "$cpu" --argjson n "$n" '$c * 1e6 / $n'
}

{
  echo "# parley-bench: two-instance cluster vs one instance"
  echo
  echo "Median of $repeat runs each; server processes on core $server_cpu, generator on core $client_cpu."
  echo "Cluster: instance A + instance B + redis-server, every pair split across A and B."
  echo
  echo "| figure | 1 instance (in memory) | 2 instances + Redis | cluster / single |"
  echo "|---|---|---|---|"
  row "relay: signals/s" "relay ${pairs}x${msgs}" msgs_per_s 1 0
  row "relay: server CPU per relayed signal (µs, all server processes)" "relay ${pairs}x${msgs}" server_cpu_per_msg_us 1 2
  row "… of which instance A (even clients)" "relay ${pairs}x${msgs}" server_cpu_per_msg_us_process_0 1 2
  row "… of which instance B (odd clients)" "relay ${pairs}x${msgs}" server_cpu_per_msg_us_process_1 1 2
  row "… of which redis-server" "relay ${pairs}x${msgs}" server_cpu_per_msg_us_process_2 1 2
  row "relay: server CPU / wall (cores busy)" "relay ${pairs}x${msgs}" server_cpu_utilisation 1 2
  row "relay: one-way latency p50 (ms)" "relay ${pairs}x${msgs}" latency_p50_us 0.001 2
  row "relay: one-way latency p99 (ms)" "relay ${pairs}x${msgs}" latency_p99_us 0.001 2
  row "relay: generator CPU / wall" "relay ${pairs}x${msgs}" generator_cpu_utilisation 1 2
  row "relay: pairs across instances" "relay ${pairs}x${msgs}" cross_instance_pairs 1 0
  row "relay at ${rate}/s: one-way latency p50 (ms)" "relay ${pairs} pairs at ${rate}/s" latency_p50_us 0.001 2
  row "relay at ${rate}/s: one-way latency p99 (ms)" "relay ${pairs} pairs at ${rate}/s" latency_p99_us 0.001 2
  # No CPU rows at the fixed rate: there every signal is a wakeup of each server process,
  # and /proc's tick-sampled CPU time overstates such short runs (docs/performance.md).
  row "match: matches/s" "match ${match}" matches_per_s 1 0
  row "match: time to match p50 (ms)" "match ${match}" time_to_match_p50_us 0.001 2
  row "match: time to match p99 (ms)" "match ${match}" time_to_match_p99_us 0.001 2
  s=$(per_match_us "match ${match} single") c=$(per_match_us "match ${match} cluster")
  printf '| %s | %s | %s | %s |\n' "match: server CPU per match (µs)" "$(fmt "$s" 1)" "$(fmt "$c" 1)" "$(ratio "$c" "$s")"
  row "match: first matches across instances" "match ${match}" cross_instance_pairs 1 0
  echo
  echo "redis-server alone (redis-benchmark, 50 clients, 16 pipelined): $(fmt "${xadd_per_s:-}" 0) XADD/s on one core."
  echo
  echo "Failed runs: $failures (a run fails when a signal is lost or misrouted, a pair is"
  echo "not the one its interests make, or the deadline passes)."
} >"$results/summary.md"
{
  date -u '+%Y-%m-%d %H:%M UTC'
  grep -m1 'model name' /proc/cpuinfo || true
  echo "cores: $(nproc)"
  uname -r
  redis-server --version
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "command: bench/cluster.sh $*"
  echo "load average (1, 5, 15 min): $(cut -d" " -f1-3 /proc/loadavg)"
} >"$results/machine.txt"
cat "$results/summary.md"
((failures == 0))
