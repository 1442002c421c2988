#!/usr/bin/env bash
# Make a self-signed TLS certificate for running parley behind nginx locally.
#
#   docker/make-cert.sh [--force] [--days N] [--san DNS:name|IP:addr]... [DIR]
#
# Writes DIR/fullchain.pem and DIR/privkey.pem (DIR defaults to docker/certs next to this
# script), valid for localhost, 127.0.0.1 and ::1 plus any --san given.
#
# Safe to run again and again:
#   - a valid certificate made by this script is kept as it is;
#   - one of ours that expires within a day is replaced;
#   - any other certificate (e.g. Let's Encrypt files you copied in) is never touched
#     unless you pass --force.
set -euo pipefail

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
}

# Marker in the subject that tells our own self-signed certificates apart from real ones.
readonly MARKER_ORG="parley self-signed (make-cert.sh)"

force=0
days=365
dir=""
extra_sans=()
while (($#)); do
  case "$1" in
    -f | --force) force=1 ;;
    --days)
      [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || { echo "make-cert: --days needs a positive number" >&2; exit 2; }
      days="$2"; shift ;;
    --san)
      [[ $# -ge 2 && "$2" =~ ^(DNS|IP):[^,[:space:]]+$ ]] || { echo "make-cert: --san needs DNS:name or IP:address" >&2; exit 2; }
      extra_sans+=("$2"); shift ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "make-cert: unknown option $1" >&2; usage >&2; exit 2 ;;
    *)
      [[ -z "$dir" ]] || { echo "make-cert: only one directory, please" >&2; exit 2; }
      dir="$1" ;;
  esac
  shift
done

command -v openssl >/dev/null || { echo "make-cert: openssl is not installed (apt-get install openssl)" >&2; exit 1; }

if [[ -z "$dir" ]]; then
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/certs"
fi
cert="$dir/fullchain.pem"
key="$dir/privkey.pem"

is_ours() {
  local subject
  subject="$(openssl x509 -in "$cert" -noout -subject -nameopt RFC2253 2>/dev/null)" || return 1
  [[ "$subject" == *"O=$MARKER_ORG"* ]]
}

if ((force == 0)) && [[ -e "$cert" || -e "$key" ]]; then
  if [[ -e "$cert" && -e "$key" ]]; then
    if ! is_ours; then
      echo "make-cert: $cert is not a make-cert.sh certificate (a real one?); leaving it alone (--force replaces it)"
      exit 0
    fi
    if openssl x509 -in "$cert" -noout -checkend 86400 >/dev/null; then
      echo "make-cert: $cert already exists and is valid; nothing to do (--force makes a new one)"
      exit 0
    fi
    echo "make-cert: $cert expires within a day; making a new one"
  else
    echo "make-cert: only one of $cert / $key exists; not touching a half-installed certificate (--force replaces it)" >&2
    exit 1
  fi
fi

mkdir -p "$dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

sans="DNS:localhost, IP:127.0.0.1, IP:::1"
for san in "${extra_sans[@]}"; do sans+=", $san"; done

cat >"$work/openssl.cnf" <<EOF
[req]
prompt = no
distinguished_name = dn
x509_extensions = leaf

[dn]
CN = localhost
O = $MARKER_ORG

[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = $sans
EOF

(
  umask 077
  openssl req -x509 -new -config "$work/openssl.cnf" \
    -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -sha256 -days "$days" \
    -keyout "$work/privkey.pem" -out "$work/fullchain.pem" 2>"$work/openssl.log" ||
    { cat "$work/openssl.log" >&2; exit 1; }
)
chmod 600 "$work/privkey.pem"
chmod 644 "$work/fullchain.pem"
# Replace both files only once both are complete.
mv -f "$work/privkey.pem" "$key"
mv -f "$work/fullchain.pem" "$cert"

echo "make-cert: wrote $cert and $key (self-signed, $days days, SAN: $sans)"
echo "make-cert: browsers will warn until you trust $cert (or use a real certificate, see docker/README-deploy.md)"
