#!/usr/bin/env bash
# Installs what parley needs and is missing, with apt-get. Idempotent: a
# second run installs nothing. Used by scripts/run.sh, scripts/test.sh and
# the Dockerfile.
#
#   scripts/setup.sh                 everything: build, web client, all tests
#   scripts/setup.sh --server-build  only what building the server needs
#   scripts/setup.sh --run           building the server and the web client
#   scripts/setup.sh --containers    podman, compose and debootstrap for tests/containers
set -euo pipefail

mode=all
case "${1:-}" in
  --server-build) mode=server ;;
  --run) mode=run ;;
  --containers) mode=containers ;;
  "" | --all) mode=all ;;
  *) echo "usage: $0 [--server-build|--run|--containers|--all]" >&2; exit 2 ;;
esac

server_packages=(g++ cmake ninja-build pkg-config libboost1.81-dev nlohmann-json3-dev libspdlog-dev libgtest-dev libssl-dev libhiredis-dev)
node_packages=(nodejs npm)
test_packages=(chromium nginx docker-compose openssl curl iproute2 procps util-linux ca-certificates gnuplot-nox jq coturn redis-server)
# Fuzzing (libFuzzer with ASan + UBSan needs clang and its runtime) and the reliability suite.
test_packages+=(clang-14 libclang-rt-14-dev python3 slowhttptest)
# Rootful podman as these machines need it (runc, netavark + aardvark-dns for service names,
# catatonit for `init: true`), Compose v1 for its Docker API, debootstrap for the base image.
container_packages=(podman buildah runc conmon netavark aardvark-dns catatonit fuse-overlayfs slirp4netns uidmap
  iptables debootstrap docker-compose openssl)

if [[ $mode == containers ]]; then
  wanted=("${container_packages[@]}")
else
  wanted=("${server_packages[@]}")
fi
if [[ $mode != server && $mode != containers ]]; then
  # Node may come from elsewhere (e.g. NodeSource); only install Debian's when absent.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    wanted+=("${node_packages[@]}")
  fi
fi
[[ $mode == all ]] && wanted+=("${test_packages[@]}")

missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#wanted[@]} packages present"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "setup: apt-get is not available; install these packages by hand: ${missing[*]}" >&2
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing packages (${missing[*]}); run as root or install them with sudo apt-get install" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
