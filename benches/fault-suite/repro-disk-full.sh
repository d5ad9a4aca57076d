#!/usr/bin/env bash
# Reproduces the fault suite's finding on `kiln serve` (issue 15): with the
# data volume full, an upload answers 202 and its original is stored as an
# empty file (the record says N bytes); once space is back, downloading it
# breaks the connection and its jobs die "the file is empty". Thumbnail
# outputs written while the disk is full are lost the same way, their jobs
# `succeeded`. Needs root (a tmpfs). usage: repro-disk-full.sh [PATH_TO_KILN]
set -u
KILN=${1:-/tmp/kiln-fault}
IMG=$(mktemp --suffix=.png); ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=320x240 -frames:v 1 "$IMG"
D=$(mktemp -d); mount -t tmpfs -o size=50m tmpfs "$D"
PORT=18555
"$KILN" serve --data-dir "$D" --listen 127.0.0.1:$PORT >"$D.log" 2>&1 &
SP=$!; sleep 3
up() { curl -s --data-binary @"$IMG" -H 'X-Filename: a.png' "http://127.0.0.1:$PORT/v1/uploads?thumbnails=64"; }
# Some activity first, so SQLite's WAL has room to record more without growing.
for _ in $(seq 1 40); do up >/dev/null; done; sleep 3
dd if=/dev/zero of="$D/filler" bs=4k 2>/dev/null; df -B1 "$D" | tail -1
ANSWER=$(up); echo "upload with the disk full: $ANSWER" | cut -c1-160
FID=$(echo "$ANSWER" | python3 -c 'import json,sys; print(json.load(sys.stdin)["file_id"])')
rm "$D/filler"; sleep 4
echo "stored: $(stat -c %s "$D"/blobs/originals/*/"$FID") bytes, uploaded: $(stat -c %s "$IMG")"
curl -s -o /dev/null -w "GET /v1/files/$FID: HTTP %{http_code}, %{size_download} bytes\n" "http://127.0.0.1:$PORT/v1/files/$FID"
sleep 2; curl -s "http://127.0.0.1:$PORT/v1/jobs?limit=2" | python3 -c 'import json,sys; [print(j["kind"], j["status"], j["error"]) for j in json.load(sys.stdin)["jobs"]]'
kill $SP; sleep 1; umount -l "$D"; rm -rf "$D" "$IMG"
