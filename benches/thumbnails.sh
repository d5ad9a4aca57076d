#!/usr/bin/env bash
# The thumbnail benchmark in one command: corpus, release build, driver. Extra arguments go to the driver.
set -euo pipefail && cd "$(dirname "$0")/.."
bash benches/fetch-corpus.sh
cargo build --release -p kiln-benches
exec /usr/bin/python3 benches/thumbnails.py "$@"
