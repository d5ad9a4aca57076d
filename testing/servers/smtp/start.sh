#!/usr/bin/env bash
# SMTP server for the notifier's tests: aiosmtpd 1.4.6 (PyPI) on
# 127.0.0.1:PORT, without TLS or authentication, storing every message it
# accepts in the Maildir DIR (DIR/new/ holds one file per message). In the
# background; returns once it accepts connections; does nothing if PORT
# already answers.
#   usage: start.sh [PORT] [DIR]   (defaults: 2525, a new temporary Maildir)
#          start.sh --python       makes the virtualenv if needed and prints
#                                  its python, for variants such as
#                                  cli/tests/fixtures/flaky_smtp.py
#   then:  smtp://127.0.0.1:PORT
# Gaps compared with a real relay: it delivers nothing onwards, offers no
# STARTTLS or AUTH, and accepts every sender and recipient (the flaky
# variant is how tests see 4xx and 5xx answers).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
VENV=${KILN_SMTP_VENV:-$KILN_TEST_CACHE/smtp-venv}
if [ "${1:-}" = --python ]; then
  make_venv "$VENV" "aiosmtpd==1.4.6"
  echo "$VENV/bin/python"
  exit 0
fi
PORT=${1:-2525}
DIR=${2:-$(mktemp -d)/Maildir}
if listening "$PORT"; then echo "smtp already listening on 127.0.0.1:$PORT"; exit 0; fi

make_venv "$VENV" "aiosmtpd==1.4.6"
mkdir -p "$(dirname "$DIR")"
nohup "$VENV/bin/python" -m aiosmtpd -n -l "127.0.0.1:$PORT" \
  -c aiosmtpd.handlers.Mailbox "$DIR" >"$DIR.log" 2>&1 &
await_port "$PORT" "smtp listening on 127.0.0.1:$PORT (Maildir $DIR)" "$DIR.log"
