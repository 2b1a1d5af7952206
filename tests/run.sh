#!/usr/bin/env bash
# README command 2: installs what is missing, builds, and runs every test suite
# registered with meson twice: in the normal build (build/) and in an
# AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/); then, as
# root, the container test (tools/container_test.sh --docker: the image built
# and run with podman and Docker, Compose, podman kube play), counted as one
# more suite. Ends with one line "N passed, N failed, N skipped" over all.
# LOOKSLIKE_SANITIZE=0 skips the sanitizer pass, LOOKSLIKE_CONTAINER_TEST=0 the
# container test (quicker local runs).
set -uo pipefail
cd "$(dirname "$0")/.."

passes=("build|")
if [[ ${LOOKSLIKE_SANITIZE:-1} != 0 ]]; then
  passes+=("build-asan|-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized")
fi

# Test tools from the npm registry (tests/package.json: playwright-core, axe-core,
# dockerfile-utils), pinned by tests/package-lock.json; installed again when the lock changed.
command -v npm >/dev/null || { sudo=; [[ $(id -u) == 0 ]] || sudo=sudo; $sudo apt-get install -y -q npm; }
if ! cmp -s tests/package-lock.json tests/node_modules/.lookslike-lock.json; then
  (cd tests && npm ci --no-audit --no-fund && cp package-lock.json node_modules/.lookslike-lock.json) \
    || { echo "0 passed, 1 failed (npm ci)"; exit 1; }
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

container=SKIP
if [[ ${LOOKSLIKE_CONTAINER_TEST:-1} == 0 ]]; then
  echo "=== container test: skipped (LOOKSLIKE_CONTAINER_TEST=0)"
elif [[ $(id -u) != 0 ]]; then
  echo "=== container test: skipped (needs root: sudo bash tools/container_test.sh --docker)"
else
  echo "=== container test (tools/container_test.sh --variant both --docker, log in build/container-test.log)"
  if bash tools/container_test.sh --variant both --docker >build/container-test.log 2>&1; then
    container=OK
  else
    container=FAIL
    rc=1
  fi
  grep -E '^(ok|not ok) |passed, ' build/container-test.log
fi

python3 - "$container" "${logs[@]}" <<'PY'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
container = sys.argv[1]
counts["passed" if container == "OK" else "skipped" if container == "SKIP" else "failed"] += 1
for path in sys.argv[2:]:
    for line in open(path):
        r = json.loads(line)["result"]
        counts["passed" if r == "OK" else "skipped" if r == "SKIP" else "failed"] += 1
print("%(passed)d passed, %(failed)d failed, %(skipped)d skipped" % counts)
PY
exit $rc
