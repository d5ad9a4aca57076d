#!/usr/bin/env bash
# Fuzzes everything that parses hostile bytes with cargo-fuzz (libFuzzer +
# AddressSanitizer) for a few minutes per target; not part of CI's time budget.
#   usage: bash fuzz/run.sh [SECONDS_PER_TARGET]   (default 180)
#          TARGETS="media_probe range" bash fuzz/run.sh 600
# Targets: jpeg_dc thumbnail (image engine), media_probe media_sidecar
# id3_writer (media engine), metadata_extract (metadata worker), multipart
# range file_query request_headers (gateway), search_fields (library search
# fields).
# Seeds are made once into fuzz/corpus/seeds/ (JPEGs with cjpeg, tiny media
# files with ffmpeg, a multipart body, Range headers); each crate's
# tests/fuzz-regressions/ folder is read as a corpus too, so every kept
# crasher is retried. New inputs go to fuzz/corpus/<target>/, crashes to
# fuzz/artifacts/<target>/ (neither committed). When fixing a crash, copy the
# artifact into tests/fuzz-regressions/ of the crate it hit: that crate's
# tests replay the whole folder (see docs/testing.md#fuzzing).
set -uo pipefail
cd "$(dirname "$0")"
SECS=${1:-180}
ALL="jpeg_dc thumbnail media_probe media_sidecar id3_writer metadata_extract multipart range file_query request_headers search_fields"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
command -v cjpeg >/dev/null || apt-get install -y -q libjpeg-turbo-progs
command -v ffmpeg >/dev/null || apt-get install -y -q ffmpeg
# cargo-fuzz needs nightly flags (-Zsanitizer); the stable toolchain accepts
# them with RUSTC_BOOTSTRAP, which is fine for a local fuzzing run.
export RUSTC_BOOTSTRAP=1
# Build against the workspace's locked versions, as CI's check does.
cp ../Cargo.lock Cargo.lock

# JPEG seeds: every layout the decoders branch on, from one test pattern.
JPEGS=corpus/seeds/jpeg
mkdir -p "$JPEGS"
if [ -z "$(ls -A "$JPEGS")" ]; then
  PPM=$(mktemp --suffix=.ppm)
  python3 - "$PPM" <<'PY'
import sys
w, h = 120, 90
px = bytearray()
for y in range(h):
    for x in range(w):
        px += bytes(((x * 2) % 256, (y * 3) % 256, ((x ^ y) * 5) % 256))
open(sys.argv[1], "wb").write(b"P6 %d %d 255\n" % (w, h) + px)
PY
  n=0
  for opts in "" "-progressive" "-progressive -restart 1" "-restart 2" "-progressive -sample 1x1" \
              "-progressive -grayscale" "-sample 2x1" "-progressive -optimize -sample 2x2" "-arithmetic"; do
    cjpeg $opts -quality 75 "$PPM" > "$JPEGS/seed$n.jpg" || true
    n=$((n + 1))
  done
  rm -f "$PPM"
fi

# Media seeds: a fraction of a second of every container the engine reads,
# small enough (a few KB) that mutations reach the headers quickly.
MEDIA=corpus/seeds/media
mkdir -p "$MEDIA"
if [ -z "$(ls -A "$MEDIA")" ]; then
  ff() { ffmpeg -nostdin -loglevel error -y "$@" || echo "seed skipped: ${*: -1}" >&2; }
  A=(-f lavfi -i "sine=frequency=440:sample_rate=8000:duration=0.2" -metadata title=Seed -metadata artist=Kiln)
  V=(-f lavfi -i "testsrc=size=32x24:rate=5:duration=0.4")
  ff "${A[@]}" -ac 1 -c:a pcm_s16le "$MEDIA/seed.wav"
  ff "${A[@]}" -ac 1 -c:a libmp3lame -b:a 32k "$MEDIA/seed.mp3"
  ff "${A[@]}" -ac 1 -c:a flac "$MEDIA/seed.flac"
  ff "${A[@]}" -ac 1 -c:a aac -b:a 24k "$MEDIA/seed.m4a"
  ff "${A[@]}" -ac 1 -c:a alac "$MEDIA/seed-alac.mov"
  ff "${A[@]}" -ac 1 -c:a libvorbis "$MEDIA/seed.ogg"
  ff "${A[@]}" -ac 1 -c:a libopus -b:a 16k "$MEDIA/seed-opus.webm"
  ff "${V[@]}" "${A[@]}" -shortest -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac "$MEDIA/seed.mp4"
  ff "${V[@]}" "${A[@]}" -shortest -c:v mpeg4 -c:a flac "$MEDIA/seed.mkv"
  ff "${V[@]}" -c:v libvpx -b:v 20k "$MEDIA/seed-video.webm"
fi

# Gateway seeds: a multipart upload as curl sends it (chunk size byte, the
# Content-Type line, the body) and Range headers of every shape.
GATE=corpus/seeds/gateway
mkdir -p "$GATE"
if [ -z "$(ls -A "$GATE")" ]; then
  printf '\x07multipart/form-data; boundary=XyZ\n--XyZ\r\nContent-Disposition: form-data; name="thumbnails"\r\n\r\n256,1024\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0 bytes\r\n--XyZ--\r\n' > "$GATE/multipart"
  n=0
  for r in "bytes=0-5" "bytes=-5" "bytes=10-" "bytes=0-1, 4-5" "items=0-5" "bytes=5-2" "Bytes= 1-2,"; do
    printf '\x00\x00\x00\x00\x00\x00\x04\x00%s' "$r" > "$GATE/range$n"
    n=$((n + 1))
  done
fi

seeds_for() {
  case $1 in
    jpeg_dc|thumbnail) echo "$JPEGS ../imaging/tests/fuzz-regressions" ;;
    media_probe|media_sidecar) echo "$MEDIA ../media/tests/fuzz-regressions" ;;
    # Camera files of many makers (benches/fetch-metadata-corpus.sh), when fetched.
    metadata_extract) echo "$JPEGS ../workers/tests/fuzz-regressions $(ls -d ../benches/corpus-meta/* 2>/dev/null | tr '\n' ' ')" ;;
    multipart) echo "$GATE" ;;
    range) echo "$GATE ../gateway/tests/fuzz-regressions/range" ;;
    id3_writer) echo "" ;;
    *) echo "unknown target $1" >&2; return 1 ;;
  esac
}

failed=()
for target in ${TARGETS:-$ALL}; do
  seeds=$(seeds_for "$target") || exit 2
  mkdir -p "corpus/$target"
  start=$(date +%s)
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: an input
  # making the process grow past 2 GB is an out-of-memory crash.
  # shellcheck disable=SC2086
  if cargo fuzz run "$target" "corpus/$target" $seeds -- \
      -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1; then
    echo "== $target: no crash in $(( $(date +%s) - start )) s"
  else
    echo "== $target: FAILED after $(( $(date +%s) - start )) s, see fuzz/artifacts/$target/"
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "crashes in: ${failed[*]}"
  exit 1
fi
echo "no crashes in ${SECS} s per target"
