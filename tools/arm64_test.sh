#!/usr/bin/env bash
# lookslike for arm64, built and tested here under emulation (issue #38's first
# steps). As root on Debian 12 x86-64: installs the cross compiler, qemu-user
# and the arm64 libraries (tools/debian-arm64-packages.txt), registers
# qemu-aarch64 with binfmt_misc so that arm64 programs run as they are,
# cross-builds build-arm64/ (tools/cross/aarch64-linux-gnu.ini; no libdarknet
# plugin: darknet:arm64 cannot be installed beside the amd64 one) and runs
# under qemu: the native NEON sets and the SIMDe-built ones against the
# reference kernels on random networks, the integer engine against TFLite's
# reference bytes on the reference and both NEON sets, and the arm64 server
# (on neon_dotprod): /readyz, then /predict of the
# Coral photos and the bench frame (both crops) with the very JSON the x86-64
# server of build/ answers, timings aside.
# usage: tools/arm64_test.sh      prints ok / not ok lines, then "N passed, N failed"
set -uo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
pass=0 fail=0
ok()  { echo "ok - $*"; pass=$((pass+1)); }
bad() { echo "not ok - $*"; fail=$((fail+1)); }
step() { local t0=$SECONDS; "$@"; local rc=$?; echo "# ($((SECONDS - t0)) s)"; return $rc; }

[[ $(id -u) == 0 ]] || { echo "# SKIP: needs root (packages, binfmt_misc)"; exit 77; }
[[ $(uname -m) == x86_64 ]] || { echo "# SKIP: cross-builds from x86-64"; exit 77; }
mapfile -t packages < <(grep -v '^\s*\(#\|$\)' tools/debian-arm64-packages.txt)
if ! dpkg-query -W "${packages[@]}" >/dev/null 2>&1; then
  dpkg --add-architecture arm64
  { apt-get update -q && apt-get install -y -q --no-install-recommends "${packages[@]}"; } >build/arm64-apt.log 2>&1 ||
    { bad "the arm64 packages install (build/arm64-apt.log)"; echo "$pass passed, $fail failed"; exit 1; }
fi
# oneDNN's arm64 headers, and the unversioned library name its -dev package would give
deps=$PWD/build/arm64-deps
if [[ ! -f $deps/usr/include/dnnl.h ]]; then
  mkdir -p "$deps" && (cd "$deps" && apt-get download -q libdnnl-dev:arm64 >/dev/null 2>&1 && dpkg-deb -x libdnnl-dev_*.deb .)
fi
[[ -e /usr/lib/aarch64-linux-gnu/libdnnl.so ]] || ln -s libdnnl.so.2 /usr/lib/aarch64-linux-gnu/libdnnl.so
# arm64 programs run directly: the converter at build time, the tests, the server
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
[[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || cat /usr/lib/binfmt.d/qemu-aarch64.conf >/proc/sys/fs/binfmt_misc/register
[[ -d build-arm64 ]] || meson setup build-arm64 --cross-file tools/cross/aarch64-linux-gnu.ini \
  -Dc_args="-I$deps/usr/include" -Ddarknet=disabled >build/arm64-setup.log 2>&1
if step ninja -C build-arm64 >build/arm64-build.log 2>&1 && file -b build-arm64/src/lookslike | grep -q aarch64; then
  ok "cross-built for arm64: $(file -b build-arm64/src/lookslike | cut -d, -f1-2)"
else
  bad "the arm64 build (build/arm64-build.log: $(grep -m1 -E 'error|FAILED' build/arm64-build.log))"
  echo "$pass passed, $fail failed"; exit 1
fi

run() { # name, then the command; its own ok/not ok lines are kept as comments
  local name=$1; shift
  local t0=$SECONDS out rc
  out=$("$@" 2>&1); rc=$?
  grep -E '^not ok' <<<"$out" | head -5 | sed 's/^/#   /'
  if [[ $rc == 0 ]]; then ok "$name: $(grep -E '^# [0-9]+ passed' <<<"$out" | tail -1 | cut -c3-) ($((SECONDS - t0)) s under qemu)"
  else bad "$name (exit $rc): $(tail -2 <<<"$out" | tr '\n' ' ')"; fi
}
run "arm64: the NEON and the SIMDe-built sets equal the reference kernels on random networks" build-arm64/tests/test_int8_kernels
LOOKSLIKE_TEST_KERNEL_SETS="reference neon neon_dotprod" \
  run "arm64: the integer engine (reference, neon and neon_dotprod kernels) equals TFLite's bytes" \
  build-arm64/tests/test_int8_exact build-arm64/models ../shared/reference

# The server: the same answers as x86-64's.
t0=$SECONDS
out=$(/usr/bin/python3 - build-arm64/src/lookslike build/src/lookslike ../shared/images <<'PY'
import json, os, sys
sys.path.insert(0, os.path.join("tests", "http"))
import harness
arm, x86, images = sys.argv[1:4]
photos = [os.path.join(images, "coral", f) for f in ("bird.bmp", "cat.bmp", "hot_dog.jpg", "owl.jpg", "parrot.jpg")]
photos.append(os.path.join(images, "bench", "parrot_640x480.jpg"))
def answers(srv):
    out = []
    for path in photos:
        for crop in ("center", "full"):
            st, _, body = harness.request(srv.port, "POST", f"/predict?crop={crop}&k=5", open(path, "rb").read(),
                                          {"Content-Type": "application/octet-stream"}, timeout=300)
            doc = json.loads(body) if st == 200 else {"status": st}
            for k in ("timing_ms", "threads"):
                doc.pop(k, None)
            out.append(doc)
    return out
a = harness.Server(arm, "--model-dir", "build-arm64/models", "--workers", "1")  # --precision auto
b = harness.Server(x86, "--precision", "int8", "--workers", "1")
try:
    st, _, body = harness.request(a.port, "GET", "/readyz")
    harness.check(st == 200, f"the arm64 server is ready: {body[:60]!r}; {''.join(a.log).strip()[-160:]}")
    # qemu's default CPU ("max") has the dot product: --int8-kernels auto takes the fastest set
    harness.check("(neon_dotprod kernels, self-tested" in "".join(a.log),
                  "the arm64 server chose the neon_dotprod kernels (qemu's CPU has the dot product)")
    mine, theirs = answers(a), answers(b)
    same = sum(x == y for x, y in zip(mine, theirs))
    harness.check(same == len(theirs), f"arm64 /predict: {same} of {len(theirs)} answers (6 photos, 2 crops, top 5) "
                  "equal x86-64's, timings aside")
finally:
    a.stop(); b.stop()
sys.exit(harness.summary())
PY
)
rc=$?
while read -r line; do
  case $line in ok\ -*) ok "${line#ok - }";; not\ ok\ -*) bad "${line#not ok - }";; esac
done <<<"$out"
[[ $rc == 0 ]] || grep -q '^not ok' <<<"$out" || bad "the server test did not run: $(tail -3 <<<"$out")"
echo "# server test: $((SECONDS - t0)) s"
echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
