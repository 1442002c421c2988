#!/usr/bin/env bash
# Start-up of the parley nginx image: render /etc/nginx/templates/*.template into
# /etc/nginx/conf.d/*.conf (what the official nginx image does, which Debian's package does
# not), then run the command (nginx in the foreground).
#
# NGINX_RESOLVER=auto (or empty) takes the container's own DNS server from /etc/resolv.conf:
# 127.0.0.11 under Docker, the network's gateway (aardvark-dns) under podman.
set -euo pipefail

if [[ -z ${NGINX_RESOLVER:-} || $NGINX_RESOLVER == auto ]]; then
  ns=$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf 2>/dev/null || true)
  if [[ -z $ns ]]; then
    echo "nginx-entrypoint: no nameserver in /etc/resolv.conf; set NGINX_RESOLVER" >&2
    exit 1
  fi
  [[ $ns == *:* ]] && ns="[$ns]"
  export NGINX_RESOLVER=$ns
fi

# What nginx writes at run time; /etc/nginx/conf.d and /var/lib/nginx point here.
mkdir -p /tmp/nginx/conf.d /tmp/nginx/lib

# Replace only variables that are set: nginx's own $host, $remote_addr... stay as they are.
defined=""
while IFS='=' read -r name _; do
  [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] && defined+="\${$name} "
done < <(env)

shopt -s nullglob
for template in /etc/nginx/templates/*.template; do
  out=/etc/nginx/conf.d/$(basename "$template" .template)
  envsubst "$defined" <"$template" >"$out"
  echo "nginx-entrypoint: $template -> $out (resolver $NGINX_RESOLVER)"
done

exec "$@"
