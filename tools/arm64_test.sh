#!/usr/bin/env bash
# lookslike for arm64, built and tested here under emulation (issue #38's first
# steps). As root on Debian 12 x86-64: installs the cross compiler, qemu-user
# and the arm64 libraries (tools/debian-arm64-packages.txt), registers
# qemu-aarch64 with binfmt_misc so that arm64 programs run as they are,
# cross-builds build-arm64/ (tools/cross_arm64.sh; no libdarknet plugin:
# darknet:arm64 cannot be installed beside the amd64 one) and runs
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
bash tools/cross_arm64.sh packages >build/arm64-apt.log 2>&1 ||
  { bad "the arm64 packages install (build/arm64-apt.log)"; echo "$pass passed, $fail failed"; exit 1; }
# arm64 programs run directly: the converter at build time, the tests, the server
bash tools/cross_arm64.sh binfmt
[[ -d build-arm64/meson-private ]] || bash tools/cross_arm64.sh setup build-arm64 >build/arm64-setup.log 2>&1
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
import os, sys
sys.path.insert(0, os.path.join("tests", "http"))
sys.path.insert(0, os.path.join("tests", "tools"))
import harness, same_answers
arm, x86, images = sys.argv[1:4]
a = harness.Server(arm, "--model-dir", "build-arm64/models", "--workers", "1")  # --precision auto
b = harness.Server(x86, "--precision", "int8", "--workers", "1")
try:
    st, _, body = harness.request(a.port, "GET", "/readyz")
    harness.check(st == 200, f"the arm64 server is ready: {body[:60]!r}; {''.join(a.log).strip()[-160:]}")
    # qemu's default CPU ("max") has the dot product: --int8-kernels auto takes the fastest set
    harness.check("(neon_dotprod kernels, self-tested" in "".join(a.log),
                  "the arm64 server chose the neon_dotprod kernels (qemu's CPU has the dot product)")
    same, total = same_answers.compare(a.port, b.port, images)
    harness.check(same == total, f"arm64 /predict: {same} of {total} answers (6 photos, 2 crops, top 5) "
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
