#!/usr/bin/env bash
# Schemathesis (PyPI, pinned below) against a live `kiln serve`: starts the
# debug binary on a free port with a fresh data folder and accounts on,
# signs up a user and gives them a file, an album and links
# (fixtures.py), then tests every operation of GET /openapi.json with that
# user's bearer token, and stops the server. Exits non-zero on any failure.
#   usage: run.sh [BINARY]             (default: target/debug/kiln)
#   SCHEMATHESIS_MAX_EXAMPLES          test cases per operation and phase (default 200)
#   SCHEMATHESIS_SEED                  hypothesis seed (default fixed, so CI is repeatable;
#                                      another seed explores other inputs)
#   SCHEMATHESIS_SUMMARY=FILE          also write the run's summary there
# The checks are all of Schemathesis's response checks (server errors,
# status codes, content types, headers and bodies against the document,
# 405 with Allow for other methods, 401 without credentials) except two
# that judge the document's input schemas as complete validators:
# `positive_data_acceptance` and `negative_data_rejection`. The gateway
# checks more than a schema says (ids that must exist, names that must
# hold a visible character, either bitrate or quality) and counts an
# empty query parameter as absent, so those two would fail on correct
# answers. The stateful phase chains operations on the links Schemathesis
# infers from the document (an id one answer gives, used by the next), which
# adds the checks that a deleted thing is gone and a made one is there.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/testing/servers/lib.sh"

SCHEMATHESIS=schemathesis==4.32.5
VENV=$KILN_TEST_CACHE/schemathesis-venv
make_venv "$VENV" "$SCHEMATHESIS"

BIN=${1:-$ROOT/target/debug/kiln}
[ -x "$BIN" ] || { echo "no kiln binary at $BIN: cargo build -p kiln" >&2; exit 1; }
# Absolute, since the server starts from a scratch folder.
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
WORK=$(mktemp -d)
SERVER=
stop() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap stop EXIT

# From the scratch folder, so that no kiln.toml, schemathesis.toml or
# .hypothesis folder of the checkout is read or written. Sign-ups are not
# rate-limited here: the tests sign up and in far faster than a person.
cd "$WORK"
KILN_AUTH=on \
KILN_JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))') \
KILN_DATA_DIR="$WORK/data" \
KILN_LISTEN="127.0.0.1:$PORT" \
KILN_GATEWAY__SIGN_IN_RATE_LIMIT__PER_SECOND=0 \
  "$BIN" serve >"$WORK/kiln.log" 2>&1 &
SERVER=$!
if ! await_port "$PORT" "kiln serve on $BASE" "$WORK/kiln.log"; then
  cat "$WORK/kiln.log" >&2
  exit 1
fi

# A user with a file, an album, a share and a signed link; the config
# Schemathesis reads from this folder sends the user's token, and these ids
# to the operations that read or change them.
python3 "$HERE/fixtures.py" "$BASE" "$WORK/schemathesis.toml"

set +e
"$VENV/bin/st" run "$BASE/openapi.json" \
  --url "$BASE" \
  --checks all \
  --exclude-checks positive_data_acceptance,negative_data_rejection \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-200}" \
  --seed "${SCHEMATHESIS_SEED:-20240601}" \
  --workers 1 \
  --request-timeout 30 \
  --no-color 2>&1 | tee "$WORK/schemathesis.txt"
STATUS=${PIPESTATUS[0]}
set -e
if [ -n "${SCHEMATHESIS_SUMMARY:-}" ]; then
  sed -n '/= SUMMARY =/,$p' "$WORK/schemathesis.txt" >"$SCHEMATHESIS_SUMMARY"
fi
# The count, as a plain closing line ("N passed, N failed"), from the
# summary's "Test cases: G generated, P passed, [F found ...,] S skipped".
python3 - "$WORK/schemathesis.txt" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
text = text[text.rfind("Test cases:"):]
def count(what):
    m = re.search(r"(\d+) " + what, text)
    return int(m.group(1)) if m else 0
passed, failed, skipped = count("passed"), count("unique failures"), count("skipped")
print(f"schemathesis: {passed} passed, {failed} failed, {skipped} skipped")
PY
if [ "$STATUS" != 0 ]; then
  echo "schemathesis failed ($STATUS); the server's log ends:" >&2
  tail -n 40 "$WORK/kiln.log" >&2
fi
exit "$STATUS"
