#!/usr/bin/env bash
# Proof on a truly fresh Debian 12 without a Docker engine: debootstraps a
# minimal bookworm root from Debian's archive, then in it (with chroot)
#   1. runs README command 1 (tools/bootstrap.sh, then the server) on a clean
#      copy of this repository with ../shared beside it, and queries it from outside;
#   2. runs the Dockerfile's build stage (tools/container_build.sh, the same
#      script the Dockerfile runs) and, in a second fresh root standing in for
#      the runtime stage, installs only tools/debian-runtime-packages.txt, copies
#      /opt/lookslike over and runs the server as a non-root user with the
#      Dockerfile's environment, querying /readyz and /predict from outside.
# Slow (downloads and builds everything): not part of tests/run.sh.
#   sudo bash tools/verify_fresh_debian.sh [WORK_DIR]     (default /var/tmp/lookslike-verify)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$repo/../shared" 2>/dev/null && pwd || true)
work=${1:-/var/tmp/lookslike-verify}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
port1=${LOOKSLIKE_VERIFY_PORT:-18081} port2=$((port1 + 1))
image=${shared:+$shared/images/coral/parrot.jpg}

log() { printf '\n=== %s: %s\n' "$(date +%T)" "$*"; }
mounted=()
cleanup() {
  for root in "$work/build-root" "$work/runtime-root"; do
    [[ -f $root/tmp/server.pid ]] && kill "$(cat "$root/tmp/server.pid")" 2>/dev/null || true
  done
  sleep 1
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT

mount_system() {
  local root=$1
  for d in proc sys dev dev/pts; do
    mount --bind "/$d" "$root/$d" && mounted+=("$root/$d")
  done
  cp /etc/resolv.conf "$root/etc/resolv.conf"
}

query() { # query PORT LABEL
  local port=$1 label=$2
  for _ in $(seq 120); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 1; done
  echo "[$label] GET /readyz: $(curl -sS "http://127.0.0.1:$port/readyz")"
  echo "[$label] GET /v1/models: $(curl -sS "http://127.0.0.1:$port/v1/models")"
  if [[ -n $image ]]; then
    echo "[$label] POST /predict parrot.jpg: $(curl -sS -H 'Content-Type: image/jpeg' --data-binary @"$image" "http://127.0.0.1:$port/predict")"
    curl -fsS -H 'Content-Type: image/jpeg' --data-binary @"$image" "http://127.0.0.1:$port/predict" | grep -q '"label":"macaw"'
  fi
}

command -v debootstrap >/dev/null || apt-get install -y -q debootstrap
rm -rf "$work"
mkdir -p "$work"
log "debootstrap bookworm (minbase) from $mirror"
debootstrap --variant=minbase bookworm "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log"; exit 1; }
cp -a "$work/base" "$work/runtime-root"
mv "$work/base" "$work/build-root"
root=$work/build-root
mount_system "$root"

log "a clean copy of the repository (git HEAD) and ../shared, as a developer has them"
mkdir -p "$root/src/lookslike"
git -C "$repo" archive HEAD | tar -x -C "$root/src/lookslike"
[[ -n $shared ]] && cp -a "$shared" "$root/src/shared"

log "README command 1: bash tools/bootstrap.sh && build/src/lookslike"
chroot "$root" /bin/bash -c "cd /src/lookslike && bash tools/bootstrap.sh" >"$work/readme-command1.log" 2>&1 || {
  tail -30 "$work/readme-command1.log"; exit 1; }
tail -3 "$work/readme-command1.log"
chroot "$root" /bin/bash -c "cd /src/lookslike && (build/src/lookslike --port $port1 >/tmp/server.log 2>&1 & echo \$! > /tmp/server.pid)"
query "$port1" "README command 1"
kill "$(cat "$root/tmp/server.pid")"
head -1 "$root/tmp/server.log"

log "Dockerfile build stage: tools/container_build.sh /opt/lookslike (model from model-source/)"
mkdir -p "$root/src/context"
git -C "$repo" archive HEAD | tar -x -C "$root/src/context"
[[ -n $shared ]] && cp -a "$shared/models" "$root/src/context/model-source"
chroot "$root" /bin/bash -c "cd /src/context && WITH_DARKNET=1 bash tools/container_build.sh /opt/lookslike" \
  >"$work/container-build.log" 2>&1 || { tail -30 "$work/container-build.log"; exit 1; }
tail -2 "$work/container-build.log"

log "Dockerfile runtime stage in a second fresh root: runtime packages only, non-root user"
rt=$work/runtime-root
mount_system "$rt"
cp "$repo/tools/debian-runtime-packages.txt" "$repo/tools/install_packages.sh" "$rt/tmp/"
chroot "$rt" /bin/bash -c "WITH_DARKNET=1 bash /tmp/install_packages.sh /tmp/debian-runtime-packages.txt \
  && useradd --system --no-create-home --shell /usr/sbin/nologin lookslike" >"$work/runtime.log" 2>&1 || {
  tail -20 "$work/runtime.log"; exit 1; }
cp -a "$root/opt/lookslike" "$rt/opt/lookslike"
echo "runtime root: $(du -sh --exclude=proc --exclude=sys --exclude=dev "$rt" | cut -f1); /opt/lookslike: $(du -sh "$rt/opt/lookslike" | cut -f1)"
chroot "$rt" /bin/bash -c "cd / && (setpriv --reuid=lookslike --regid=lookslike --init-groups env \
  LOOKSLIKE_MODEL_DIR=/opt/lookslike/share/lookslike/models LOOKSLIKE_STATIC_DIR=/opt/lookslike/share/lookslike/static \
  LOOKSLIKE_BIND=0.0.0.0 LOOKSLIKE_PORT=$port2 /opt/lookslike/bin/lookslike >/tmp/server.log 2>&1 & echo \$! > /tmp/server.pid)"
query "$port2" "container runtime"
echo "[container runtime] server runs as: $(ps -o user= -p "$(cat "$rt/tmp/server.pid")")"
head -1 "$rt/tmp/server.log"
log "PASS"
