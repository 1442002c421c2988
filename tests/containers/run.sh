#!/usr/bin/env bash
# Container tests: build every image of docker/docker-compose.yml with podman and run the
# stack through docker-compose against podman's Docker-compatible API, then check it from
# outside (tests/containers/stack.test.mjs): TLS, REST chat with a long poll, wss match and
# signal relay, redirects, /metrics hidden, non-root + read-only + no capabilities, and
# `docker compose stop` closing sockets with 1001 and exiting 0. Then the cluster stack
# (docker-compose.cluster.yml on top: Redis, two parley instances, nginx balancing them) with
# the same images, checked by tests/containers/cluster.test.mjs.
#
#   tests/containers/run.sh
#
# The README's "Deploy with Docker" commands are run as written (through `readme`, which only
# spells `docker compose` as Debian's `docker-compose` and points the settings file and the
# certificate at a temp dir). Where no image registry is reachable, debian:12-slim is made
# from Debian's archive once (docker/make-debian-base.sh) and kept in podman's storage; the
# images built from it stay cached there too, so later runs rebuild only what changed.
#
# Everything the run makes (containers, network, volumes, the podman API service, the temp
# dir) is removed on exit, pass or fail. Images are kept: they are the cache.
# Needs root (rootful podman); skips with a reason where containers cannot run at all.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
t0=$SECONDS

log() { printf 'tests/containers: %s\n' "$*"; }
skip() {
  log "SKIPPED: $*"
  # The plain summary line, so the skip is visible in CI's log and counted as such.
  echo "containers: 0 passed, 0 failed, 1 skipped"
  exit 0
}

# --- Can containers run here at all? ------------------------------------------------------
[[ $(uname -s) == Linux ]] || skip "containers need Linux (this is $(uname -s))"
[[ $(id -u) -eq 0 ]] || skip "the container suite runs rootful podman and needs root (run it as root, as CI does)"
if ! command -v apt-get >/dev/null && ! command -v podman >/dev/null; then
  skip "podman is not installed and there is no apt-get to install it"
fi
bash scripts/setup.sh --containers

# podman's settings for these machines, without touching /etc/containers.
export CONTAINERS_CONF="$here/containers.conf"
# Node dependencies of the test (ws) are tests/deploy's.
if [[ ! -d tests/deploy/node_modules || tests/deploy/package-lock.json -nt tests/deploy/node_modules ]]; then
  (cd tests/deploy && npm ci --no-audit --no-fund --loglevel=error && touch node_modules)
fi

work="$(mktemp -d /tmp/parley-containers.XXXXXX)"
chmod 755 "$work"
project="parleyct$$"
svc_pid=""
health_pid=""

export DOCKER_HOST="unix://$work/podman.sock"
export COMPOSE_PROJECT_NAME="$project"
# docker-compose 1.29 builds through the API (podman has no BuildKit endpoint).
export COMPOSE_DOCKER_CLI_BUILD=0 DOCKER_BUILDKIT=0
export PARLEY_ENV_FILE="$work/parley.env"
export CERTS_DIR="$work/certs"
export BIND_ADDRESS=127.0.0.1
# Published on loopback only, on free ports; the containers' network is the test's own.
read -r HTTP_PORT HTTPS_PORT PARLEY_LOCAL_PORT < <(node -e '
  const net = require("net"); const s = [];
  (async () => { for (let i = 0; i < 3; i++) { const v = net.createServer();
    await new Promise((r) => v.listen(0, "127.0.0.1", r)); s.push(v); }
    console.log(s.map((v) => v.address().port).join(" ")); s.forEach((v) => v.close()); })();')
export HTTP_PORT HTTPS_PORT PARLEY_LOCAL_PORT
# The host's hard open-file limit here is below the 65536 production asks for.
hard_nofile=$(ulimit -Hn)
if [[ $hard_nofile != unlimited ]] && ((hard_nofile < 65536)); then export NOFILE_LIMIT=$hard_nofile; fi

compose=(docker-compose -f docker/docker-compose.yml)
project_filter="label=com.docker.compose.project=$project"
cluster_project="${project}cl"
cluster_compose=(docker-compose -p "$cluster_project" -f docker/docker-compose.yml -f docker/docker-compose.cluster.yml)
cluster_filter="label=com.docker.compose.project=$cluster_project"
cluster_up=""

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  [[ -n $health_pid ]] && kill "$health_pid" 2>/dev/null && wait "$health_pid" 2>/dev/null
  if [[ -n $cluster_up ]]; then
    log "removing the cluster stack"
    timeout 120 "${cluster_compose[@]}" down -v >"$work/down-cluster.log" 2>&1 ||
      { log "docker-compose down (cluster) failed:"; tail -n 20 "$work/down-cluster.log"; }
  fi
  if [[ -n $svc_pid ]]; then
    log "removing the stack (containers, network, volumes)"
    COMPOSE_PROJECT_NAME="$project" timeout 120 bash -c "$(declare -f readme log); readme 'docker compose -f docker/docker-compose.yml down -v'" >"$work/down.log" 2>&1 ||
      { log "docker-compose down failed:"; tail -n 20 "$work/down.log"; }
  fi
  # Whatever compose could not remove (a crashed API service, an interrupted up).
  for f in "$project_filter" "$cluster_filter"; do
    podman ps -aq --filter "$f" | xargs -r podman rm -f -t 5 >/dev/null 2>&1
    podman network ls -q --filter "$f" | xargs -r podman network rm -f >/dev/null 2>&1
    podman volume ls -q --filter "$f" | xargs -r podman volume rm -f >/dev/null 2>&1
  done
  if [[ -n $svc_pid ]]; then
    kill "$svc_pid" 2>/dev/null
    wait "$svc_pid" 2>/dev/null
  fi
  local left
  left="$(for f in "$project_filter" "$cluster_filter"; do podman ps -aq --filter "$f"; podman network ls -q --filter "$f"; podman volume ls -q --filter "$f"; done)"
  if [[ -n $left ]]; then
    log "LEFT BEHIND: $left"
    rc=1
  fi
  rm -rf "$work"
  log "done in $((SECONDS - t0)) s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The README's commands, run as written. `docker compose` is Compose v2's spelling; Debian
# ships v1 as `docker-compose`, which takes the same arguments here. The settings file and
# the certificate go to the temp dir (PARLEY_ENV_FILE, CERTS_DIR) instead of the checkout.
readme() {
  local cmd="$1"
  log "\$ $cmd"
  case "$cmd" in
    "cp .env.example .env") cp .env.example "$PARLEY_ENV_FILE" ;;
    "bash docker/make-cert.sh") bash docker/make-cert.sh "$CERTS_DIR" ;;
    "docker compose "*) eval "docker-compose ${cmd#docker compose }" ;;
    *) eval "$cmd" ;;
  esac
}

# --- podman's Docker-compatible API ---------------------------------------------------------
podman system service --time=0 "$DOCKER_HOST" >"$work/podman-service.log" 2>&1 &
svc_pid=$!
for _ in $(seq 100); do
  [[ -S $work/podman.sock ]] && break
  kill -0 "$svc_pid" 2>/dev/null || { cat "$work/podman-service.log"; log "podman system service died"; exit 1; }
  sleep 0.1
done
[[ -S $work/podman.sock ]] || { log "podman's API socket did not appear"; exit 1; }

# --- The base image, once per machine -------------------------------------------------------
t=$SECONDS
readme "bash docker/make-debian-base.sh"
log "base image ready in $((SECONDS - t)) s"

# --- Health checks: no systemd here to schedule them, so run them every 2 s (bounded) ------
health_loop() {
  for _ in $(seq 1800); do
    for f in "$project_filter" "$cluster_filter"; do
      for c in $(podman ps -q --filter "$f" --filter health=starting --filter health=healthy --filter health=unhealthy 2>/dev/null); do
        podman healthcheck run "$c" >/dev/null 2>&1 || true
      done
    done
    sleep 2
  done
}
health_loop &
health_pid=$!

# --- The README's deployment --------------------------------------------------------------
readme "cp .env.example .env"
readme "bash docker/make-cert.sh"
t=$SECONDS
# "unable to get systemd connection to add healthchecks" is podman's harmless note that it
# cannot schedule health checks itself (the loop above does it).
set +e
readme "docker compose -f docker/docker-compose.yml up -d --build" 2>&1 |
  grep -v --line-buffered 'unable to get systemd connection'
up_rc=${PIPESTATUS[0]}
set -e
((up_rc == 0)) || { log "docker compose up failed ($up_rc)"; exit 1; }
log "images built and stack up in $((SECONDS - t)) s"
readme "docker compose -f docker/docker-compose.yml ps"
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '(parley|parley-nginx):local|debian:12-slim' |
  sed 's/^/tests\/containers: image /'

# --- The checks -----------------------------------------------------------------------------
export PARLEY_CT_WORK="$work"
set +e
nice -n 5 node --test --test-reporter=spec --test-timeout=180000 "$here/stack.test.mjs"
rc=$?
set -e
if ((rc != 0)); then
  log "logs of the stack:"
  "${compose[@]}" logs --no-color --tail 60 2>&1 | grep -v 'unable to get systemd' || true
fi

# --- The cluster stack (docker-compose.cluster.yml on top): Redis, two instances, nginx ----
# The single stack goes first (its last check stopped it), so the two never compete for
# CPU; the cluster reuses its images (parley:local, parley-nginx:local) and builds only
# parley-redis:local. Its own project, ports and subnet; the same certificate.
set +e
readme "docker compose -f docker/docker-compose.yml down -v" >"$work/down-single.log" 2>&1 ||
  { log "docker-compose down (single stack) failed:"; tail -n 20 "$work/down-single.log"; }
set -e
export COMPOSE_PROJECT_NAME="$cluster_project"
read -r HTTP_PORT HTTPS_PORT PARLEY_LOCAL_PORT PARLEY_B_LOCAL_PORT < <(node -e '
  const net = require("net"); const s = [];
  (async () => { for (let i = 0; i < 4; i++) { const v = net.createServer();
    await new Promise((r) => v.listen(0, "127.0.0.1", r)); s.push(v); }
    console.log(s.map((v) => v.address().port).join(" ")); s.forEach((v) => v.close()); })();')
export HTTP_PORT HTTPS_PORT PARLEY_LOCAL_PORT PARLEY_B_LOCAL_PORT
export PARLEY_SUBNET=172.30.58.0/24 PARLEY_PROXY_IP=172.30.58.10
# The settings file of the README with the one thing a cluster adds: the shared key.
export PARLEY_ENV_FILE="$work/cluster.env"
{ grep -v '^HASH_SECRET=' "$work/parley.env"; echo "HASH_SECRET=$(openssl rand -hex 32)"; } >"$PARLEY_ENV_FILE"
cluster_up=1
t=$SECONDS
set +e
# Only Redis is built: parley:local and parley-nginx:local are the images just tested.
"${cluster_compose[@]}" build redis 2>&1 | grep -E --line-buffered '^(STEP|Successfully|Error)'
build_rc=${PIPESTATUS[0]}
"${cluster_compose[@]}" up -d 2>&1 | grep -v --line-buffered 'unable to get systemd connection'
up_rc=$((PIPESTATUS[0] | build_rc))
set -e
if ((up_rc != 0)); then
  log "cluster: docker compose up failed ($up_rc)"
  exit 1
fi
log "cluster: Redis image built and cluster stack up in $((SECONDS - t)) s"
"${cluster_compose[@]}" ps
set +e
nice -n 5 node --test --test-reporter=spec --test-timeout=180000 "$here/cluster.test.mjs"
crc=$?
set -e
if ((crc != 0)); then
  log "logs of the cluster stack:"
  "${cluster_compose[@]}" logs --no-color --tail 60 2>&1 | grep -v 'unable to get systemd' || true
  rc=1
fi
exit "$rc"
