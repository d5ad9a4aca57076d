#!/usr/bin/env bash
# Redis for Kiln's tests (job status fan-out between replicas and the shared
# rate limits), on 127.0.0.1:PORT without persistence. The real server, so
# no gaps. Installs the Debian package when missing and starts a server when
# PORT does not answer. Idempotent.
#   usage: redis.sh [PORT]   (default 6379)   then: redis://127.0.0.1:PORT
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
PORT=${1:-6379}
command -v redis-server >/dev/null || apt_install redis-server
if redis-cli -h 127.0.0.1 -p "$PORT" ping >/dev/null 2>&1; then
  echo "redis already running on 127.0.0.1:$PORT"; exit 0
fi
DIR="$KILN_TEST_CACHE/redis-$PORT"
mkdir -p "$DIR"
redis-server --daemonize yes --bind 127.0.0.1 --port "$PORT" --save "" --appendonly no \
  --dir "$DIR" --logfile "$DIR/redis.log"
await_port "$PORT" "redis running on 127.0.0.1:$PORT" "$DIR/redis.log"
