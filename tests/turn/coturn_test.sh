#!/usr/bin/env bash
# A real coturn (Debian's turnserver) on loopback, with the TURN REST API's
# shared secret, against credentials the real parley binary hands out:
#   1. two REST users matched in a video chat get credentials in `matched`;
#      turnutils_uclient allocates relays with them and exchanges messages;
#   2. an expired username, and a credential made with a wrong secret, are
#      refused ("Cannot complete Allocation");
#   3. docker/turnserver.conf: every denied-peer-ip line is accepted by this
#      coturn (none dropped as "Wrong address format"), and with those ranges
#      relaying to 127.0.0.1 is refused (403 Forbidden IP);
#   4. the secret is in none of parley's answers or log lines (LOG_LEVEL=trace).
#
#   tests/turn/coturn_test.sh PATH/TO/parley
set -euo pipefail
parley=$(realpath "${1:?usage: coturn_test.sh PATH/TO/parley}")
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prod_conf="$here/../../docker/turnserver.conf"
for tool in turnserver turnutils_uclient curl jq openssl ss; do
  command -v "$tool" >/dev/null || { echo "coturn_test: $tool is missing (apt-get install coturn curl jq openssl iproute2)"; exit 1; }
done

tmp=$(mktemp -d /tmp/parley-coturn-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

secret="coturn-test-secret-$RANDOM$RANDOM"
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }

# A UDP port and a range of 40 after it, all free now.
free_udp_base() {
  local used base p ok
  used=$(ss -Hlnu | awk '{print $4}' | sed 's/.*://' | sort -u)
  for _ in $(seq 50); do
    base=$((20000 + RANDOM % 30000))
    ok=1
    for p in $(seq "$base" $((base + 41))); do
      if grep -qx "$p" <<<"$used"; then ok=0; break; fi
    done
    ((ok)) && { echo "$base"; return; }
  done
  return 1
}

# start_coturn NAME SECRET [extra config lines...]: sets $turn_port.
start_coturn() {
  local name=$1 s=$2; shift 2
  local base; base=$(free_udp_base)
  turn_port=$base
  {
    echo "listening-ip=127.0.0.1"
    echo "relay-ip=127.0.0.1"
    echo "listening-port=$base"
    echo "min-port=$((base + 1))"
    echo "max-port=$((base + 40))"
    echo "use-auth-secret"
    echo "static-auth-secret=$s"
    echo "realm=parley.test"
    echo "allow-loopback-peers"
    echo "no-cli"
    echo "no-tls"
    echo "no-dtls"
    echo "no-tcp"
    echo "relay-threads=1"
    echo "userdb=$tmp/$name.db"
    echo "pidfile=$tmp/$name.pid"
    echo "log-file=$tmp/$name.log"
    echo "simple-log"
    echo "no-stdout-log"
    printf '%s\n' "$@"
  } >"$tmp/$name.conf"
  turnserver -c "$tmp/$name.conf" >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do
    ss -Hlnu | grep -q "127.0.0.1:$base " && return 0
    sleep 0.1
  done
  fail "$name: turnserver did not listen on 127.0.0.1:$base; log:"$'\n'"$(cat "$tmp"/$name.log* 2>/dev/null)"
}

# allocate PORT USERNAME CREDENTIAL: runs the allocation test, output in $tmp/uclient.out.
allocate() {
  local rc=0
  timeout 60 turnutils_uclient -y -c -n 3 -z 1 -m 1 -p "$1" -u "$2" -w "$3" 127.0.0.1 \
    >"$tmp/uclient.out" 2>&1 || rc=$?
  return $rc
}
received() { grep -o 'tot_recv_msgs=[0-9]*' "$tmp/uclient.out" | tail -1 | cut -d= -f2; }

start_coturn main "$secret"

# parley, issuing credentials for that coturn.
cd "$tmp"
TURN_URLS="turn:127.0.0.1:$turn_port?transport=udp" TURN_SECRET="$secret" TURN_TTL_S=600 \
  LOG_LEVEL=trace WEB_ROOT=/nonexistent "$parley" --host 127.0.0.1 --port 0 >"$tmp/parley.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  port=$(sed -n 's/^parley listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/parley.log")
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n ${port:-} ]] || fail "parley did not start:"$'\n'"$(cat "$tmp/parley.log")"
api="http://127.0.0.1:$port"
# Every answer is kept in $tmp/answers, to look for the secret at the end.
post() { # post PATH TOKEN [BODY]
  curl -s -X POST "$api$1" -H "Authorization: Bearer $2" -d "${3:-{\}}" | tee -a "$tmp/answers"
}

# Anonymous callers get nothing.
config=$(curl -s "$api/config")
{ echo "$config"; curl -s "$api/health"; curl -s "$api/metrics"; } >>"$tmp/answers"
[[ $(jq -r .turn_available <<<"$config") == true ]] || fail "/config: turn_available is not true: $config"
grep -q credential <<<"$config" && fail "/config shows credentials: $config"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$api/turn_credentials")
[[ $code == 401 ]] || fail "anonymous POST /turn_credentials answered $code"

# A text chat: no credentials.
t1=$(curl -s -X POST "$api/start" | jq -r .token)
curl -s -X POST "$api/start" >/dev/null
[[ $(post /receive "$t1" '{"since":0}' | jq -r '.events[0].turn // "none"') == none ]] || fail "a text chat got credentials"
pass "anonymous callers and text chats get no credentials"

# A video chat: credentials in `matched`, each side its own.
a=$(curl -s -X POST "$api/start_video" | jq -r .token)
b=$(curl -s -X POST "$api/start_video" | jq -r .token)
ta=$(post /receive "$a" '{"since":0}' | jq -c '.events[0].turn')
tb=$(post /turn_credentials "$b" | jq -c '.turn')
[[ $ta != null && $tb != null ]] || fail "video chat without credentials: $ta / $tb"
user=$(jq -r .username <<<"$ta"); cred=$(jq -r .credential <<<"$ta")
[[ $user =~ ^[0-9]+:[0-9a-f]{16}$ ]] || fail "username $user"
expiry=${user%%:*}; now=$(date +%s)
((expiry >= now + 590 && expiry <= now + 610)) || fail "expiry $expiry is not now + TURN_TTL_S (600)"
# The same credential, computed independently from the secret.
[[ $cred == "$(printf '%s' "$user" | openssl dgst -sha1 -hmac "$secret" -binary | base64)" ]] \
  || fail "credential is not base64(HMAC-SHA1(secret, username))"
pass "a video chat gets credentials: $user"

allocate "$turn_port" "$user" "$cred" || fail "allocation with parley's credentials failed:"$'\n'"$(tail -5 "$tmp/uclient.out")"
(($(received) > 0)) || fail "no message relayed: $(tail -3 "$tmp/uclient.out")"
pass "coturn relays with parley's credentials (tot_recv_msgs=$(received))"
userb=$(jq -r .username <<<"$tb"); credb=$(jq -r .credential <<<"$tb")
allocate "$turn_port" "$userb" "$credb" || fail "allocation with the refreshed credentials failed"
pass "and with credentials from POST /turn_credentials"

# Expired, and a wrong secret: refused.
old="$((now - 60)):0123456789abcdef"
rc=0; allocate "$turn_port" "$old" "$(printf '%s' "$old" | openssl dgst -sha1 -hmac "$secret" -binary | base64)" || rc=$?
((rc != 0)) && grep -q 'Cannot complete Allocation' "$tmp/uclient.out" || fail "an expired username was accepted (rc $rc)"
pass "an expired username is refused"
rc=0; allocate "$turn_port" "$user" "$(printf '%s' "$user" | openssl dgst -sha1 -hmac "not-the-secret" -binary | base64)" || rc=$?
((rc != 0)) && grep -q 'Cannot complete Allocation' "$tmp/uclient.out" || fail "a credential made with a wrong secret was accepted (rc $rc)"
pass "a credential made with a wrong secret is refused"

# docker/turnserver.conf's denied ranges: all accepted by coturn, and they deny loopback.
mapfile -t denied < <(grep '^denied-peer-ip=' "$prod_conf")
((${#denied[@]} >= 10)) || fail "docker/turnserver.conf denies only ${#denied[@]} ranges"
start_coturn denied "$secret" "${denied[@]}"
sleep 0.3
listed=$(grep -c 'Black listing:' "$tmp/denied.log" || true)
grep -i 'wrong address' "$tmp/denied.log" && fail "coturn dropped a denied-peer-ip line of docker/turnserver.conf"
((listed == ${#denied[@]})) || fail "coturn accepted $listed of ${#denied[@]} denied-peer-ip lines"
rc=0; allocate "$turn_port" "$user" "$cred" || rc=$?
grep -q '403 (Forbidden IP)' "$tmp/uclient.out" || fail "relaying to 127.0.0.1 was not refused with the denied ranges (rc $rc)"
pass "docker/turnserver.conf: all ${#denied[@]} denied-peer-ip ranges accepted; relaying to 127.0.0.1 refused (403)"

# The secret never leaves parley.
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true
grep -qF -- "$secret" "$tmp/answers" && fail "the secret is in an answer of parley"
grep -q 'TURN credentials' "$tmp/parley.log" || fail "parley's trace log is not what was expected"
grep -qF -- "$secret" "$tmp/parley.log" && fail "the secret is in parley's log"
pass "the secret is in none of $(wc -l <"$tmp/answers") answers nor in $(wc -l <"$tmp/parley.log") log lines"
echo "coturn_test: all passed"
