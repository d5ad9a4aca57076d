#!/usr/bin/env bash
# Kafka stand-in for Kiln's tests: Tansu 0.6.0 (crates.io; a Kafka-protocol
# broker written in Rust) with in-memory storage, on 127.0.0.1:PORT, in the
# background. Returns once it accepts connections; does nothing if PORT
# already answers. The first run on a machine builds Tansu with
# `cargo install` (10 to 25 minutes); later runs reuse ~/.cargo/bin/tansu.
#   usage: start.sh [PORT]        (default 19092)
#   then:  bootstrap.servers=127.0.0.1:PORT
# Known gaps compared with Apache Kafka (details in testing/README.md): a
# produce request carrying several records loses some (tests send one record
# per batch); nothing survives a restart; a crashed group leader is never
# replaced (tests start another member to re-form the group). Topics are
# created by clients (CreateTopics), as Kiln does at start-up.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
PORT=${1:-19092}
VERSION=0.6.0
if listening "$PORT"; then echo "kafka (tansu) already listening on 127.0.0.1:$PORT"; exit 0; fi

find_tansu() { command -v tansu || { [ -x "$HOME/.cargo/bin/tansu" ] && echo "$HOME/.cargo/bin/tansu"; } || true; }
TANSU=$(find_tansu)
if [ -z "$TANSU" ]; then
  # One build at a time: parallel callers wait for the first and reuse it.
  (
    flock 9
    [ -n "$(find_tansu)" ] || cargo install --locked tansu --version "$VERSION" --features dynostore
  ) 9>"$KILN_TEST_CACHE/tansu-install.lock"
  TANSU=$(find_tansu)
fi
LOG="$KILN_TEST_CACHE/tansu-$PORT.log"
nohup "$TANSU" broker \
  --listener-url "tcp://127.0.0.1:$PORT" --advertised-listener-url "tcp://127.0.0.1:$PORT" \
  --storage-engine memory://tansu/ >"$LOG" 2>&1 &
await_port "$PORT" "kafka (tansu) listening on 127.0.0.1:$PORT (log $LOG)" "$LOG"
