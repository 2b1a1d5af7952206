#!/usr/bin/env bash
# Every layer of the served models must run on one of oneDNN's JIT kernels for
# this CPU, never on its reference implementation ("ref:..."), which oneDNN
# picks silently when it has no kernel for the layout asked for: forcing the
# AVX-512 block (nChw16c) on an AVX2-only CPU made one inference take ~60 s.
# Checked from oneDNN's own verbose log of one classification per model.
# usage: engine_kernels.sh LOOKSLIKE MODEL_DIR IMAGE.jpg MODEL...
set -uo pipefail
lookslike=$1 model_dir=$2 image=$3
shift 3
fails=0
for model in "$@"; do
  log=$(ONEDNN_VERBOSE=1 "$lookslike" classify --precision fp32 --model "$model" --model-dir "$model_dir" "$image" 2>&1)
  # onednn_verbose,exec,cpu,PRIMITIVE,IMPLEMENTATION,...; reorders of the weights at load may be plain copies
  kernels=$(awk -F, '$1 == "onednn_verbose" && $2 == "exec" && $4 != "reorder" {print $4 " " $5}' <<<"$log" | sort | uniq -c)
  if [[ -z $kernels ]]; then
    echo "not ok - $model: no oneDNN execution logged"; fails=$((fails + 1)); continue
  fi
  echo "# $model:"; sed 's/^/#   /' <<<"$kernels"
  if grep -q ' ref' <<<"$kernels"; then
    echo "not ok - $model: layers on oneDNN's reference implementation"; fails=$((fails + 1))
  else
    echo "ok - $model: every layer on a JIT kernel"
  fi
done
echo "# $(( $# - fails )) passed, $fails failed"
exit $((fails > 0))
