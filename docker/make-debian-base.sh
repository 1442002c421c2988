#!/usr/bin/env bash
# Make the base image debian:12-slim from Debian's archive, for hosts that cannot reach an
# image registry. Where a registry is reachable, `docker pull debian:12-slim` does the same
# job and this script is not needed.
#
#   docker/make-debian-base.sh [--force] [podman|docker]     (default: podman if present)
#
# Does nothing when the image already exists (so only the first run pays for debootstrap,
# a few minutes). Needs root, debootstrap and the engine's CLI. The result is tagged
# docker.io/library/debian:12-slim, so `FROM debian:12-slim` finds it without a pull.
#
# Like the official image: debootstrap's minbase variant of bookworm, the same apt sources
# (bookworm, bookworm-updates, bookworm-security), no apt lists, no documentation, man pages
# or locales (dpkg excludes them from later installs too), CMD bash.
set -euo pipefail

readonly IMAGE=docker.io/library/debian:12-slim
force=0
engine=""
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    podman | docker) engine=$arg ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make-debian-base: unknown argument $arg" >&2; exit 2 ;;
  esac
done
if [[ -z $engine ]]; then
  if command -v podman >/dev/null; then engine=podman; else engine=docker; fi
fi

if ((force == 0)) && "$engine" image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "make-debian-base: $IMAGE already exists ($engine); nothing to do"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "make-debian-base: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "make-debian-base: debootstrap needs root" >&2; exit 1; }

# The host's own Debian mirrors (a local mirror or proxy may be all that is reachable).
mirror="" security=""
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [[ -f $f ]] || continue
  [[ -n $mirror ]] || mirror=$(grep -h -o -E 'https?://[^ ]*/debian/?( |$)' "$f" | head -n1 | tr -d ' ' || true)
  [[ -n $security ]] || security=$(grep -h -o -E 'https?://[^ ]*/debian-security/?( |$)' "$f" | head -n1 | tr -d ' ' || true)
done
mirror=${mirror:-http://deb.debian.org/debian}
security=${security:-http://deb.debian.org/debian-security}

work=$(mktemp -d /var/tmp/parley-debian-base.XXXXXX)
rootfs=$work/rootfs
cleanup() {
  mountpoint -q "$rootfs/proc" 2>/dev/null && umount "$rootfs/proc"
  rm -rf "$work"
}
trap cleanup EXIT

echo "make-debian-base: debootstrap --variant=minbase bookworm from $mirror (a few minutes)"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

# The official image is rebuilt with each point release and security fix; match that by
# upgrading from bookworm-updates and bookworm-security now.
echo "make-debian-base: applying Debian's updates"
mount -t proc proc "$rootfs/proc"
{ chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
  chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -q; } >"$work/upgrade.log" 2>&1 ||
  { tail -n 30 "$work/upgrade.log" >&2; exit 1; }
chroot "$rootfs" apt-get clean
umount "$rootfs/proc"

# "slim", as the official image does it: keep docs, man pages and translations out now and
# in every later apt-get install.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$rootfs"/usr/share/{man,groff,info,lintian,linda,locale}/* 2>/dev/null || true
# Also as the official image: no fsync per unpacked file (a crashed build is thrown away anyway).
echo 'force-unsafe-io' >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF

# A host behind a TLS-inspecting proxy has its own certificate authorities; builds that use
# HTTPS (npm) need them. ca-certificates, once installed in an image, picks them up.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  mkdir -p "$rootfs/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
fi

rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/root/.cache 2>/dev/null || true
mkdir -p "$rootfs/var/lib/apt/lists/partial"

tar --numeric-owner --xattrs -C "$rootfs" -cf "$work/rootfs.tar" .
"$engine" import \
  --change 'CMD ["bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  "$work/rootfs.tar" "$IMAGE" >"$work/import.log" 2>&1 || { cat "$work/import.log" >&2; exit 1; }
echo "make-debian-base: made $IMAGE ($("$engine" image inspect --format '{{.Size}}' "$IMAGE") bytes)"
