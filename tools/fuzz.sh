#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer (clang, ASan+UBSan) of the places
# untrusted bytes enter: request body decoding (/predict's and the Open Inference
# Protocol's), each image decoder + preprocessing
# (JPEG, PNG, WebP, GIF, BMP), and the Darknet cfg/weights loader.
#   bash tools/fuzz.sh [SECONDS_PER_TARGET] [jpeg|body|model|png|webp|gif|bmp|infer ...]
# Default 60 s for each target, all at once (LOOKSLIKE_FUZZ_SERIAL=1 runs
# them one after another). The corpus grows in build-fuzz/corpus/; a crash is
# copied into tests/fuzz/regressions/TARGET/, where `meson test` replays it
# from then on: commit it with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(jpeg body model png webp gif bmp infer)
build=build-fuzz

if ! command -v clang >/dev/null || ! dpkg-query -W libfuzzer-14-dev >/dev/null 2>&1; then
  sudo=; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get install -y -q --no-install-recommends clang-14 libclang-rt-14-dev libfuzzer-14-dev
  command -v clang >/dev/null || ln -s /usr/bin/clang-14 /usr/local/bin/clang
fi
if [[ ! -f $build/build.ninja ]]; then
  CC=clang meson setup "$build" -Dfuzzing=true -Db_lundef=false -Ddarknet=disabled -Dbuildtype=debugoptimized
fi
meson compile -C "$build"
rm -rf "$build/seeds"
bash tests/fuzz/make_seeds.sh "$build/seeds" "$build/tests/make_test_jpegs" ../shared/images

run() {
  local t=$1
  mkdir -p "$build/corpus/$t" "$build/crashes/$t"
  "$build/tests/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/crashes/$t/" "$build/corpus/$t" "$build/seeds/$t" > "$build/fuzz_$t.log" 2>&1 || true
  local found=0
  for c in "$build/crashes/$t"/*; do
    [[ -f $c ]] || continue
    cp "$c" "tests/fuzz/regressions/$t/"
    found=$((found + 1))
  done
  local execs cov
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$build/fuzz_$t.log" | grep -oE '[0-9]+$' || echo '?')
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$build/fuzz_$t.log" | tail -1)
  echo "fuzz_$t: ${seconds} s, ${execs} executions, ${cov}, corpus $(ls "$build/corpus/$t" | wc -l) files, ${found} crash(es)"
}

if [[ ${LOOKSLIKE_FUZZ_SERIAL:-0} == 1 ]]; then
  for t in "${targets[@]}"; do run "$t"; done
else
  for t in "${targets[@]}"; do run "$t" & done
  wait
fi
if compgen -G "$build/crashes/*/*" >/dev/null; then
  echo "fuzz.sh: crashes found; see $build/fuzz_*.log and tests/fuzz/regressions/" >&2
  exit 1
fi
