#!/usr/bin/env bash
# Container health probe for parley: GET /health on the local server and require
# "HTTP/1.x 200" plus "status":"ok". Needs only bash + coreutils (no curl in the image).
#
#   parley-healthcheck [PORT]      (default: $PORT, else 5000)
set -uo pipefail

port="${1:-${PORT:-5000}}"
host=127.0.0.1

# Opening /dev/tcp fails at once when nothing listens; the reply is read with a deadline
# so a hung server counts as unhealthy instead of blocking the probe.
{ exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || { echo "unhealthy: nothing listens on $host:$port"; exit 1; }
printf 'GET /health HTTP/1.1\r\nHost: %s:%s\r\nAccept: application/json\r\nConnection: close\r\n\r\n' "$host" "$port" >&3
reply="$(timeout 3 cat <&3)"
exec 3<&-

status_line="${reply%%$'\r'*}"
if [[ "$status_line" =~ ^HTTP/1\.[01]\ 200 ]] && [[ "$reply" =~ \"status\"[[:space:]]*:[[:space:]]*\"ok\" ]]; then
  exit 0
fi
echo "unhealthy: ${status_line:-no reply from $host:$port within 3 s}"
exit 1
