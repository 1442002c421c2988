#!/usr/bin/env bash
# The real binary: SIGTERM while a long poll is pending and a keep-alive
# connection is idle must answer the poll, stop accepting and exit 0 within a
# few seconds. Also: a bad setting stops start-up with exit status 2.
set -euo pipefail
parley=$1
work=$(mktemp -d)
trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$work"' EXIT

# A bad value: one line naming the setting, status 2.
set +e
"$parley" --port 70000 2>"$work/bad.err"
status=$?
set -e
[[ $status -eq 2 ]] || { echo "FAIL: --port 70000 exited $status, expected 2"; exit 1; }
grep -q PORT "$work/bad.err" || { echo "FAIL: the error does not name PORT"; cat "$work/bad.err"; exit 1; }

"$parley" --port 0 --web-root "$work/none" >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do
  port=$(grep -oP 'listening on http://[^ ]*:\K[0-9]+' "$work/out" 2>/dev/null | head -1 || true)
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n ${port:-} ]] || { echo "FAIL: no listening line"; cat "$work/err"; exit 1; }

token=$(curl -sf -X POST "http://127.0.0.1:$port/start" | grep -oP '"token":"\K[0-9a-f]+')
# A pending long poll, and an idle keep-alive connection (nc holds it open).
curl -s -o "$work/poll" -w '%{http_code}' -X POST "http://127.0.0.1:$port/receive" \
  -H "Authorization: Bearer $token" -d '{"since":0,"wait":25}' >"$work/poll.status" &
poll=$!
exec 3<>"/dev/tcp/127.0.0.1/$port"
sleep 0.5

start=$(date +%s%N)
kill -TERM "$pid"
for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$pid" 2>/dev/null; then echo "FAIL: still running 10 s after SIGTERM"; exit 1; fi
set +e
wait "$pid"
status=$?
set -e
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait "$poll" || true
exec 3<&-

[[ $status -eq 0 ]] || { echo "FAIL: exit status $status after SIGTERM"; cat "$work/err"; exit 1; }
(( elapsed_ms < 5000 )) || { echo "FAIL: took ${elapsed_ms} ms to exit"; exit 1; }
[[ $(cat "$work/poll.status") == 200 ]] || { echo "FAIL: long poll got $(cat "$work/poll.status")"; exit 1; }
if curl -s -m 2 "http://127.0.0.1:$port/health" >/dev/null; then
  echo "FAIL: still accepting after exit"; exit 1
fi
echo "PASS: SIGTERM answered the long poll and exited 0 in ${elapsed_ms} ms"
