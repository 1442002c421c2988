#!/usr/bin/env bash
# Container health probe for the nginx image: GET /nginx-health on the plain-HTTP listener
# (answered to loopback only, see nginx.conf.template) must say 200. bash /dev/tcp only:
# no curl or wget in the image.
set -uo pipefail

port="${NGINX_HTTP_LISTEN:-8080}"
port="${port##*:}"
{ exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || { echo "unhealthy: nothing listens on 127.0.0.1:$port"; exit 1; }
printf 'GET /nginx-health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
reply="$(timeout 3 cat <&3)"
exec 3<&-
status_line="${reply%%$'\r'*}"
[[ "$status_line" =~ ^HTTP/1\.[01]\ 200 ]] && exit 0
echo "unhealthy: ${status_line:-no reply within 3 s}"
exit 1
