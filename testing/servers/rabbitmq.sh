#!/usr/bin/env bash
# RabbitMQ for Kiln's tests (the job queues: quorum and classic queues,
# dead-letter exchanges, publisher confirms), on 127.0.0.1:5672 as
# guest/guest, which RabbitMQ allows from localhost by default. The real
# server, so no gaps. Installs the Debian package when missing, starts the
# node when it does not answer, and starts the app when a test left it
# stopped (the outage test runs `rabbitmqctl stop_app`). Idempotent.
#   usage: rabbitmq.sh      then: amqp://guest:guest@127.0.0.1:5672/%2f
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
export PATH="$PATH:/usr/sbin:/usr/lib/rabbitmq/bin"
command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
if ! rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
  rabbitmq-server -detached
  for _ in $(seq 1 90); do rabbitmq-diagnostics -q ping >/dev/null 2>&1 && break; sleep 1; done
fi
rabbitmqctl start_app >/dev/null
rabbitmqctl await_startup >/dev/null
echo "rabbitmq running on 127.0.0.1:5672"
