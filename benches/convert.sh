#!/usr/bin/env bash
# The MP3 conversion benchmark in one command: release build, corpus (made by ffmpeg once), driver.
# Extra arguments go to the driver (--minutes N, --rounds N, --quality Q).
set -euo pipefail && cd "$(dirname "$0")/.."
cargo build --release -p kiln-benches --bin kiln-mp3
exec python3 benches/convert.py "$@"
