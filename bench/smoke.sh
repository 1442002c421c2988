#!/usr/bin/env bash
# Smoke test of the load generator (CTest: bench_smoke). Starts parley and
# the yardstick on free ports, runs every scenario at tiny sizes against
# them and fails on any error, lost or misrouted message. Asserts no timing.
#
#   bench/smoke.sh PARLEY PARLEY_BENCH PARLEY_YARDSTICK
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 PARLEY PARLEY_BENCH PARLEY_YARDSTICK" >&2
  exit 2
fi
parley=$1 bench=$2 yardstick=$3

work=$(mktemp -d "${TMPDIR:-/tmp}/parley-bench-smoke.XXXXXX")
pids=()
# SIGTERM, then SIGKILL after 10 s so the test always ends.
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "smoke: warning: server $pid ignored SIGTERM for 10 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a server with its log in $work/NAME.log and sets $port and $pid
# from the "listening on http://HOST:PORT" line (at most 15 s).
start_server() {
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  port=
  for _ in $(seq 150); do
    port=$(sed -nE 's#.*listening on http://[^ ]*:([0-9]+).*#\1#p' "$work/$name.log" | head -n1)
    [[ -n $port ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "smoke: $name did not start:" >&2
  cat "$work/$name.log" >&2
  exit 1
}

failures=0
# Runs one scenario; parley-bench exits non-zero on errors, lost or misrouted
# messages; the JSON line must also say ok with zero lost and misrouted.
scenario() {
  local label=$1; shift
  local out
  if out=$("$bench" "$@" --json --duration-limit 15 2>&1) &&
     grep -q '"ok":true' <<<"$out" &&
     ! grep -qE '"(lost|misrouted)":[1-9]' <<<"$out"; then
    echo "ok   $label"
  else
    echo "FAIL $label: $out" >&2
    failures=$((failures + 1))
  fi
}

# The load comes from one address (127.0.0.1) and floods on purpose: the rate
# limits (issue 11) would measure the limiter, not the server, and the re-match
# cooldown (issue 13) would keep churned clients apart.
parley_no_limits=(--rate-messages-per-s 0 --rate-typing-per-s 0 --rate-signals-per-s 0
  --rate-identities-per-min 0 --rate-requests-per-s 0 --max-connections-per-address 0
  --rematch-cooldown-s 0)
mkdir -p "$work/web"
start_server yardstick "$yardstick" --host 127.0.0.1 --port 0
yport=$port ypid=$pid
start_server parley "$parley" --host 127.0.0.1 --port 0 --web-root "$work/web" "${parley_no_limits[@]}"
pport=$port ppid=$pid

common=(--host 127.0.0.1)
scenario "relay yardstick 2x5" relay "${common[@]}" --target yardstick --port "$yport" --server-pid "$ypid" --pairs 2 --messages 5
scenario "relay parley 2x5" relay "${common[@]}" --port "$pport" --server-pid "$ppid" --pairs 2 --messages 5
scenario "relay parley 2x5 at 200/s" relay "${common[@]}" --port "$pport" --server-pid "$ppid" --pairs 2 --messages 5 --rate 200
scenario "relay parley 3x5 window 1" relay "${common[@]}" --port "$pport" --pairs 3 --messages 5 --window 1
scenario "match parley 10" match "${common[@]}" --port "$pport" --server-pid "$ppid" --clients 10 --wave 4
scenario "match parley 10 churn" match "${common[@]}" --port "$pport" --clients 10 --churn --rounds 2
scenario "idle yardstick 20" idle "${common[@]}" --target yardstick --port "$yport" --server-pid "$ypid" --clients 20 --settle 0.1
scenario "idle parley 20" idle "${common[@]}" --port "$pport" --server-pid "$ppid" --clients 20 --settle 0.1
scenario "rest parley 2x5" rest "${common[@]}" --port "$pport" --server-pid "$ppid" --clients 2 --messages 5

# Both servers must still be alive after all that.
for pid in "$ypid" "$ppid"; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL server $pid died; logs:" >&2
    cat "$work"/*.log >&2
    failures=$((failures + 1))
  fi
done

if [[ $failures -ne 0 ]]; then
  echo "smoke: $failures failure(s)" >&2
  exit 1
fi
echo "smoke: all scenarios ok"
