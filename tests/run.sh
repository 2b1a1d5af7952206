#!/usr/bin/env bash
# README command 2: installs what is missing, builds, and runs every test suite
# registered with meson twice: in the normal build (build/) and in an
# AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/); then, as
# root, the container test (tools/container_test.sh --docker: the image built
# and run with podman and Docker, Compose, podman kube play, the arm64 image
# under qemu) and the arm64
# build under qemu (tools/arm64_test.sh), each counted as one more suite. As root, every file opened while the two passes build and test
# is recorded (fatrace) and tests/package_lists.py requires each Debian
# package they came from to be named in tools/debian-*packages.txt (the bench's
# peers too: the build picks XNNPACK up where bench/run.sh installed it) or brought
# by one that is, another suite: a package installed by hand cannot make a
# green run here that fails on a fresh machine.
# Ends with one line "N passed, N failed, N skipped" over all.
# LOOKSLIKE_SANITIZE=0 skips the sanitizer pass, LOOKSLIKE_CONTAINER_TEST=0 the
# container test, LOOKSLIKE_ARM64_TEST=0 the arm64 one (quicker local runs).
set -uo pipefail
cd "$(dirname "$0")/.."

passes=("build|")
if [[ ${LOOKSLIKE_SANITIZE:-1} != 0 ]]; then
  passes+=("build-asan|-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized")
fi

# Test tools from the npm registry (tests/package.json: playwright-core, axe-core,
# dockerfile-utils), pinned by tests/package-lock.json; installed again when the lock changed.
sudo=; [[ $(id -u) == 0 ]] || sudo=sudo
command -v npm >/dev/null || $sudo apt-get install -y -q --no-install-recommends npm
[[ $(id -u) != 0 ]] || command -v fatrace >/dev/null || apt-get install -y -q --no-install-recommends fatrace
if ! cmp -s tests/package-lock.json tests/node_modules/.lookslike-lock.json; then
  (cd tests && npm ci --no-audit --no-fund && cp package-lock.json node_modules/.lookslike-lock.json) \
    || { echo "0 passed, 1 failed (npm ci)"; exit 1; }
fi

# The packages first (bootstrap.sh installs what is missing), so that what
# apt itself opens is not taken for the build's or the tests' use.
bash tools/bootstrap.sh --with-tests --install-only || { echo "0 passed, 1 failed (package install)"; exit 1; }

# The file opens of both passes, one line per command and path (fatrace: root only).
opens=build/file-opens.txt
tracing=0
if [[ $(id -u) == 0 ]] && command -v fatrace >/dev/null; then
  mkdir -p build && rm -f "$opens" build/.file-opens.fifo && mkfifo build/.file-opens.fifo
  awk '{ sub(/\([0-9]+\): /, ": "); if (!seen[$0]++) { print; fflush() } }' <build/.file-opens.fifo >"$opens" &
  dedup_pid=$!
  fatrace --filter O >build/.file-opens.fifo 2>/dev/null &
  fatrace_pid=$!
  tracing=1
  sleep 1
fi

rc=0
logs=()
for pass in "${passes[@]}"; do
  dir=${pass%%|*} args=${pass#*|}
  echo "=== tests in $dir ${args:+($args)}"
  if ! LOOKSLIKE_BUILD_DIR=$dir LOOKSLIKE_MESON_ARGS=$args bash tools/bootstrap.sh --with-tests; then
    echo "build of $dir failed"
    rc=1
    continue
  fi
  # Sanitizer reports must fail the test, not scroll by.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    meson test -C "$dir" --print-errorlogs --num-processes 1 || rc=1
  logs+=("$dir/meson-logs/testlog.json")
done

packages=SKIP
if [[ $tracing == 1 ]]; then
  kill -INT "$fatrace_pid" && wait "$fatrace_pid"
  wait "$dedup_pid"
  rm -f build/.file-opens.fifo
  echo "=== every package the build and tests used is in the lists (tests/package_lists.py)"
  /usr/bin/python3 tests/package_lists.py "$opens" tools/debian-packages.txt tools/debian-test-packages.txt \
    tools/debian-bench-packages.txt
  case $? in
    0) packages=OK ;;
    77) packages=SKIP ;;
    *) packages=FAIL; rc=1 ;;
  esac
else
  echo "=== package lists check: skipped (needs root and fatrace)"
fi

container=SKIP
if [[ ${LOOKSLIKE_CONTAINER_TEST:-1} == 0 ]]; then
  echo "=== container test: skipped (LOOKSLIKE_CONTAINER_TEST=0)"
elif [[ $(id -u) != 0 ]]; then
  echo "=== container test: skipped (needs root: sudo bash tools/container_test.sh --docker)"
else
  ct=(--variant both --docker)
  [[ ${LOOKSLIKE_ARM64_TEST:-1} == 0 ]] && ct+=(--no-arm64) # no arm64 image either
  echo "=== container test (tools/container_test.sh ${ct[*]}, log in build/container-test.log)"
  if bash tools/container_test.sh "${ct[@]}" >build/container-test.log 2>&1; then
    container=OK
  else
    container=FAIL
    rc=1
  fi
  grep -E '^(ok|not ok) |passed, ' build/container-test.log
fi

arm64=SKIP
if [[ ${LOOKSLIKE_ARM64_TEST:-1} == 0 ]]; then
  echo "=== arm64 test: skipped (LOOKSLIKE_ARM64_TEST=0)"
elif [[ $(id -u) != 0 ]]; then
  echo "=== arm64 test: skipped (needs root: sudo bash tools/arm64_test.sh)"
else
  echo "=== arm64 under emulation (tools/arm64_test.sh, log in build/arm64-test.log)"
  bash tools/arm64_test.sh >build/arm64-test.log 2>&1
  case $? in
    0) arm64=OK ;;
    77) arm64=SKIP ;;
    *) arm64=FAIL; rc=1 ;;
  esac
  grep -E '^(ok|not ok) |passed, ' build/arm64-test.log
fi

python3 - "$packages" "$container" "$arm64" "${logs[@]}" <<'PY'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
for suite in sys.argv[1:4]:
    counts["passed" if suite == "OK" else "skipped" if suite == "SKIP" else "failed"] += 1
failures = []
for path in sys.argv[4:]:
    for line in open(path):
        t = json.loads(line)
        r = t["result"]
        counts["passed" if r == "OK" else "skipped" if r == "SKIP" else "failed"] += 1
        if r not in ("OK", "SKIP"):
            # The last lines are often all a reader of this output gets: repeat
            # what each failed test said was wrong (or its last words) here.
            out = (t.get("stdout") or "") + (t.get("stderr") or "")
            said = [l for l in out.splitlines() if l.startswith("not ok")] or out.splitlines()[-8:]
            failures.append("%s: %s (%s)\n" % (path.split("/")[0], t["name"], r)
                            + "".join("    %s\n" % l[:300] for l in said[:20]))
if failures:
    print("=== what the failed tests said")
    print("".join(failures), end="")
print("%(passed)d passed, %(failed)d failed, %(skipped)d skipped" % counts)
PY
exit $rc
