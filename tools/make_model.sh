#!/usr/bin/env bash
# Produces OUT_DIR/NAME.{cfg,weights,labels} from the pinned official source
# files listed in a manifest (models/NAME.sources): taken from SOURCE_DIR/<folder>/
# when present, otherwise downloaded from the pinned repository and commit, and
# in every case checked against the manifest's sha256 before conversion.
# usage: make_model.sh CONVERTER MANIFEST SOURCE_ROOT OUT_DIR NAME
set -euo pipefail
converter=$1 manifest=$2 source_root=${LOOKSLIKE_MODEL_SOURCE:-$3} out_dir=$4 name=$5

die() { echo "make_model.sh: $*" >&2; exit 1; }

repository= commit= folder=
models=() labels=
while read -r kind a b; do
  case $kind in
    ''|'#'*) ;;
    repository) repository=$a ;;
    commit) commit=$a ;;
    folder) folder=$a ;;
    model) models+=("$a $b") ;;
    labels) labels="$a $b" ;;
    *) die "$manifest: unknown line '$kind'" ;;
  esac
done < "$manifest"
[[ -n $repository && -n $commit && ${#models[@]} -gt 0 && -n $labels ]] || die "$manifest: incomplete manifest"

work="$out_dir/$name.sources.d"
mkdir -p "$work"

# fetch SHA256 REPO_PATH: prints the path of a verified local copy
fetch() {
  local sum=$1 path=$2 base local_copy
  base=$(basename "$path")
  local_copy="$source_root/$folder/$base"
  if [[ -f $local_copy ]]; then
    cp "$local_copy" "$work/$base"
  else
    local url="https://raw.githubusercontent.com/$repository/$commit/$path"
    echo "make_model.sh: $local_copy not found; downloading $url" >&2
    curl -fsSL --retry 3 -o "$work/$base" "$url" || die "download of $url failed"
  fi
  local got
  got=$(sha256sum "$work/$base" | cut -d' ' -f1)
  [[ $got == "$sum" ]] || die "checksum mismatch for $base: expected $sum, got $got (from ${local_copy})"
  echo "$work/$base"
}

inputs=()
for m in "${models[@]}"; do
  inputs+=("$(fetch $m)")
done
labels_file=$(fetch $labels)

"$converter" --labels "$labels_file" -o "$out_dir/$name" "${inputs[@]}"
rm -rf "$work"
