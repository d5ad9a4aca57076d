#!/usr/bin/env bash
# MongoDB stand-in for Kiln's tests, where no mongod can be installed:
# nx-27017 (PyPI; the MongoDB wire protocol over SQLite) with the fidelity
# patches in server.py, on 127.0.0.1:PORT, in the background. Returns once it
# accepts connections; does nothing if PORT already answers.
#   usage: start.sh [PORT] [DIR]     (defaults: 27018, a new temporary folder)
#   then:  mongodb://127.0.0.1:PORT/?directConnection=true
# Data lives in DIR/kiln.db/, a directory: one SQLite file per database, so
# databases are isolated and dropping one leaves the others. Its pid is in
# DIR/kiln.db.pid (tests that simulate an outage kill it).
# Known gaps compared with MongoDB 7 (details in testing/README.md): no
# replica sets, transactions or change streams; `$set` of a date or boolean
# and `$push` of a document store the wrong type; numeric positional paths
# and arrayFilters are ignored; index names, partial filters and index plans
# are not MongoDB's; GridFS collections are emulated with a narrow query
# subset (no count_documents on chunks, no getMore). Kiln's product code stays
# within what works; report a new gap in testing/README.md.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
PORT=${1:-27018}
DIR=${2:-$(mktemp -d)}
if listening "$PORT"; then echo "mongo-wire already listening on 127.0.0.1:$PORT"; exit 0; fi

VENV=${KILN_MONGO_WIRE_VENV:-$KILN_TEST_CACHE/mongo-wire-venv}
make_venv "$VENV" "nx-27017==0.8.1" "neosqlite==1.17.2" "pymongo==4.20.0"
mkdir -p "$DIR/kiln.db"
nohup "$VENV/bin/python" "$HERE/server.py" "$PORT" "$DIR/kiln.db" >"$DIR/server.out" 2>&1 &
await_port "$PORT" "mongo-wire listening on 127.0.0.1:$PORT (data in $DIR)" "$DIR/server.out"
