#!/usr/bin/env bash
# README command 2: installs what is missing, builds, runs every test suite
# registered with meson, and ends with one line "N passed, N failed, N skipped".
# Environment: LOOKSLIKE_BUILD_DIR, LOOKSLIKE_MESON_ARGS (see tools/bootstrap.sh),
# e.g. the sanitizer run: LOOKSLIKE_BUILD_DIR=build-asan
#   LOOKSLIKE_MESON_ARGS="-Db_sanitize=address,undefined -Db_lundef=false" bash tests/run.sh
set -uo pipefail
cd "$(dirname "$0")/.."
build=${LOOKSLIKE_BUILD_DIR:-build}
bash tools/bootstrap.sh || { echo "0 passed, 1 failed (build)"; exit 1; }

meson test -C "$build" --print-errorlogs --num-processes 1
rc=$?
python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    counts["passed" if r == "OK" else "skipped" if r == "SKIP" else "failed"] += 1
print("%(passed)d passed, %(failed)d failed, %(skipped)d skipped" % counts)
PY
exit $rc
