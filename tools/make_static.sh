#!/usr/bin/env bash
# Assembles the served UI in OUT_DIR: the committed static/ files plus sample
# media made at build time from photos with redistributable licences (nothing
# binary is committed): Debian's darknet sample photos and, where ../shared is
# present, the Coral test photos; then a short pan-and-zoom WebM clip of some of
# them for Video mode. usage: make_static.sh SRC_STATIC OUT_DIR SHARED_IMAGES_DIR
set -euo pipefail
src=$1 out=$2 shared=$3
darknet_data=/usr/share/darknet/data

command -v ffmpeg >/dev/null || { echo "make_static.sh: ffmpeg is needed (Debian package ffmpeg)" >&2; exit 1; }
mkdir -p "$out/samples"
# The committed files always win, so edits show up on the next build.
cp -r --no-preserve=mode "$src/." "$out/"

entries=()
add() { # add FILE TITLE CREDIT  (converts to JPEG when needed)
  local file=$1 title=$2 credit=$3 name
  name=$(basename "${file%.*}").jpg
  [[ -f $file ]] || return 0
  if [[ $file == *.jpg ]]; then
    install -m 0644 "$file" "$out/samples/$name"
  elif [[ ! -f $out/samples/$name ]]; then
    ffmpeg -loglevel error -y -i "$file" -q:v 2 "$out/samples/$name"
  fi
  entries+=("{\"src\": \"samples/$name\", \"title\": \"$title\", \"credit\": \"$credit\"}")
}

openimages="Open Images, CC BY 2.0"
add "$shared/coral/parrot.jpg" "Parrot" "$openimages"
add "$shared/coral/cat.bmp" "Cat" "$openimages"
add "$darknet_data/dog.jpg" "Dog and bicycle" "darknet sample photo (MIT)"
add "$shared/coral/hot_dog.jpg" "Hot dog" "$openimages"
add "$darknet_data/eagle.jpg" "Eagle" "darknet sample photo (MIT)"
add "$shared/coral/owl.jpg" "Owl" "$openimages"
add "$shared/coral/sunflower.bmp" "Sunflower" "$openimages"
add "$darknet_data/giraffe.jpg" "Giraffe and zebra" "darknet sample photo (MIT)"
add "$shared/coral/dragonfly.bmp" "Dragonfly" "$openimages"
add "$darknet_data/horses.jpg" "Horses" "darknet sample photo (MIT)"
add "$shared/coral/bird.bmp" "Bird" "$openimages"
add "$shared/coral/grace_hopper.bmp" "Grace Hopper" "U.S. Navy, public domain"
add "$darknet_data/kite.jpg" "Kites" "darknet sample photo (MIT)"
if ((${#entries[@]} == 0)); then
  echo "make_static.sh: warning: no sample photos found (install darknet, or provide $shared/coral); the UI starts without slides" >&2
  echo "[]" > "$out/samples/slides.json"
  exit 0
fi
{
  echo "["
  for i in "${!entries[@]}"; do
    printf '  %s%s\n' "${entries[$i]}" "$([[ $i -lt $((${#entries[@]} - 1)) ]] && echo ,)"
  done
  echo "]"
} > "$out/samples/slides.json"

# Video mode's sample: 3 s of slow zoom on each of four photos, 640x480 VP8.
clip=$out/samples/clip.webm
if [[ ! -f $clip ]]; then
  inputs=() filters="" n=0
  for f in "$out"/samples/{parrot,dog,owl,eagle,cat}.jpg; do
    [[ -f $f ]] || continue
    inputs+=(-i "$f") # one frame each; zoompan makes 75 frames (3 s) from it
    filters+="[$n:v]scale=1280:960:force_original_aspect_ratio=increase,crop=1280:960,"
    filters+="zoompan=z='min(zoom+0.002,1.3)':d=75:x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':s=640x480:fps=25,"
    filters+="setsar=1[v$n];"
    n=$((n + 1))
    ((n < 4)) || break
  done
  concat=""
  for ((i = 0; i < n; i++)); do concat+="[v$i]"; done
  ffmpeg -loglevel error -y "${inputs[@]}" -filter_complex "${filters}${concat}concat=n=$n:v=1:a=0[out]" \
    -map "[out]" -c:v libvpx -b:v 1M -deadline good -cpu-used 4 -pix_fmt yuv420p -an "$clip.tmp.webm"
  mv "$clip.tmp.webm" "$clip"
fi
