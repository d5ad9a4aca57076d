#!/usr/bin/env bash
# Fuzzes the image engine with cargo-fuzz (libFuzzer + AddressSanitizer) for
# a few minutes per target; not part of CI's time budget.
#   usage: bash fuzz/run.sh [SECONDS_PER_TARGET]   (default 180)
# Crashes land in fuzz/artifacts/<target>/ (not committed); when fixing one,
# add a test that replays it to imaging/tests/. Inputs kept in
# imaging/tests/fuzz-regressions/ (no such folder yet) join the seeds.
set -euo pipefail
cd "$(dirname "$0")"
SECS=${1:-180}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
command -v cjpeg >/dev/null || apt-get install -y -q libjpeg-turbo-progs
# cargo-fuzz needs nightly flags (-Zsanitizer); the stable toolchain accepts
# them with RUSTC_BOOTSTRAP, which is fine for a local fuzzing run.
export RUSTC_BOOTSTRAP=1

# Seeds: small JPEGs of every layout the decoders branch on, made from one
# test pattern, plus the regression inputs already found.
SEEDS=corpus/seeds
mkdir -p "$SEEDS"
if [ -z "$(ls -A "$SEEDS")" ]; then
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
    cjpeg $opts -quality 75 "$PPM" > "$SEEDS/seed$n.jpg" || true
    n=$((n + 1))
  done
  rm -f "$PPM"
fi
cp ../imaging/tests/fuzz-regressions/* "$SEEDS/" 2>/dev/null || true

for target in ${TARGETS:-jpeg_dc thumbnail}; do
  mkdir -p "corpus/$target"
  cargo fuzz run "$target" "corpus/$target" "$SEEDS" -- -max_total_time="$SECS" -rss_limit_mb=2048 -max_len=262144
done
echo "no crashes in ${SECS}s per target"
