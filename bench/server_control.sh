# Sourced by bench/run.sh and bench/compare.sh: one server at a time, pinned
# and prioritised like the runs need. Expects `work` (a temp dir),
# `server_cpu` and the array `priority`; sets `server_pid` and `server_port`.

server_pid=
server_port=

stop_server() {
  [[ -n $server_pid ]] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

# The load comes from one address (127.0.0.1) and floods on purpose: the rate
# limits (issue 11) would measure the limiter, not the server, and the re-match
# cooldown (issue 13) would keep churned clients apart.
parley_no_limits=(--rate-messages-per-s 0 --rate-typing-per-s 0 --rate-signals-per-s 0
  --rate-identities-per-min 0 --rate-requests-per-s 0 --max-connections-per-address 0
  --rematch-cooldown-s 0)

# start_server BINARY KIND: a fresh server (KIND parley or yardstick), so no
# run inherits another's state or memory; waits for its listening line.
start_server() {
  local binary=$1 kind=$2 log=$work/server.log
  stop_server
  # Emptied here, not by the redirection below: that one runs in the
  # background and could lose the race with the port lookup.
  : >"$log"
  if [[ $kind == parley ]]; then
    mkdir -p "$work/web"
    "${priority[@]}" taskset -c "$server_cpu" "$binary" --host 127.0.0.1 --port 0 --web-root "$work/web" "${parley_no_limits[@]}" >"$log" 2>&1 &
  else
    "${priority[@]}" taskset -c "$server_cpu" "$binary" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
  fi
  server_pid=$!
  server_port=
  for _ in $(seq 100); do
    server_port=$(sed -nE 's#.*listening on http://[^ ]*:([0-9]+).*#\1#p' "$log" | head -n1)
    [[ -n $server_port ]] && return 0
    sleep 0.1
  done
  echo "$(basename "$0"): $kind did not start:" >&2
  cat "$log" >&2
  exit 1
}
