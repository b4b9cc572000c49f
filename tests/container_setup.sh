#!/usr/bin/env bash
# Prepare this machine for tests/test_container.py (shared/spec/testing.md section 6):
#   1. install podman, buildah and debootstrap from Debian's packages;
#   2. debootstrap a minimal Debian with python3 + git and import it as the image the Dockerfile's FROM names,
#      since no image registry is reachable here.
# Idempotent: each step is skipped when already done. Run as root (CI and sessions are root). Takes ~3 minutes
# the first time. Environment overrides: JOBGUARD_DEBIAN_MIRROR, JOBGUARD_DEBIAN_SUITE, JOBGUARD_BASE_IMAGE.
# `container_setup.sh --print-base` only prints the name the base image is (or would be) stored under.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
suite="${JOBGUARD_DEBIAN_SUITE:-bookworm}"

# The image the Dockerfile builds FROM (first FROM line), normalised the way podman stores short names.
from="$(awk 'toupper($1) == "FROM" { print $2; exit }' "$here/Dockerfile")"
base="${JOBGUARD_BASE_IMAGE:-$from}"
case "$base" in
  */*/* | localhost/* | *.*/* | *:*/*) ;;      # registry/...: already qualified
  */*) base="docker.io/$base" ;;              # namespace/name
  *) base="docker.io/library/$base" ;;        # official image
esac

if [[ "${1:-}" == "--print-base" ]]; then  # tests/test_container.py asks which image to look for
  printf '%s\n' "$base"
  exit 0
fi

# The Debian mirror this machine's apt already uses (deb822 .sources first, then sources.list).
apt_mirror() {
  local uri
  uri="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)"
  if [[ -z "$uri" && -f /etc/apt/sources.list ]]; then
    uri="$(awk '$1 == "deb" && $2 !~ /security/ { print ($2 ~ /^\[/ ? $3 : $2); exit }' /etc/apt/sources.list)"
  fi
  printf '%s' "$uri"
}
mirror="${JOBGUARD_DEBIAN_MIRROR:-$(apt_mirror)}"
if [[ -z "$mirror" ]]; then
  echo "container_setup: no Debian mirror in apt's sources; set JOBGUARD_DEBIAN_MIRROR" >&2
  exit 1
fi

missing=()
for tool in podman buildah debootstrap; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
  echo "container_setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends podman buildah debootstrap crun fuse-overlayfs uidmap >/dev/null
fi

if podman image exists "$base"; then
  echo "container_setup: base image $base already present"
  exit 0
fi

rootfs="$(mktemp -d /tmp/jobguard-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
echo "container_setup: debootstrap $suite from $mirror (about a minute)"
debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,git,ca-certificates \
  "$suite" "$rootfs" "$mirror" >/tmp/jobguard-debootstrap.log 2>&1 || {
  tail -20 /tmp/jobguard-debootstrap.log >&2
  exit 1
}
# The official python image has `python` and `python3` on PATH under /usr/local/bin; the stand-in has
# /usr/bin/python3 only, which is what the Dockerfile uses.
rm -rf "$rootfs/var/lib/apt/lists/"* "$rootfs/var/cache/apt/archives/"*.deb
tar -C "$rootfs" -c . | podman import --quiet - "localhost/jobguard-debian-py:$suite" >/dev/null
podman tag "localhost/jobguard-debian-py:$suite" "$base"
echo "container_setup: imported the stand-in base image as $base"
