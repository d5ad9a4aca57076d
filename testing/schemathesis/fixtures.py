#!/usr/bin/env python3
"""Gives a fresh Kiln something to find, for Schemathesis.

usage: fixtures.py BASE_URL CONFIG_OUT

Signs up and in, uploads a small PNG, puts it in an album, shares the album
(downloads allowed) and makes a signed link to it. Writes a schemathesis.toml
to CONFIG_OUT that sends the bearer token on every request and, for the
operations that read or change one of these (never the ones that delete
them), their real ids: without them every such request would be a 404 and
the downloads (ranges, 304s), the album and the share pages would go
untested. Prints nothing on success; the standard library only.
"""

import json
import struct
import sys
import urllib.parse
import urllib.request
import zlib

BASE, OUT = sys.argv[1], sys.argv[2]
EMAIL, PASSWORD = "schemathesis@example.com", "correct horse battery staple"


def call(method, path, body=None, token=None, raw=None, headers=None):
    headers = dict(headers or {})
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def png(width, height):
    """A gradient, as an 8-bit RGB PNG."""
    rows = b"".join(
        b"\0" + bytes(v for x in range(width) for v in (x * 8 % 256, y * 8 % 256, 128))
        for y in range(height)
    )

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


call("POST", "/v1/auth/signup", {"email": EMAIL, "password": PASSWORD, "name": "Schemathesis"})
token = call("POST", "/v1/auth/login", {"email": EMAIL, "password": PASSWORD})["access_token"]
upload = call(
    "POST",
    "/v1/uploads?thumbnails=16&dedupe=false",
    raw=png(32, 24),
    token=token,
    headers={"Content-Type": "application/octet-stream", "X-Filename": "gradient.png"},
)
file_id, job_id = upload["file_id"], upload["jobs"][0]["id"]
album_id = call("POST", "/v1/albums", {"name": "Schemathesis"}, token)["id"]
call("POST", f"/v1/albums/{album_id}/files", {"file_ids": [file_id]}, token)
share = call("POST", "/v1/shares", {"album_id": album_id, "download": True}, token)
link = urllib.parse.urlsplit(call("POST", f"/v1/files/{file_id}/links", {}, token)["url"])
signed = dict(urllib.parse.parse_qsl(link.query))

# Each operation (by operationId) that reads or changes one of the
# fixtures gets its real ids.
share_token = share["token"]
operations = {
    "download_file": {"path.id": file_id},
    "update_file": {"path.id": file_id},
    "file_metadata": {"path.id": file_id},
    "create_link": {"path.id": file_id},
    "get_job": {"path.id": job_id},
    "follow_job": {"path.id": job_id},
    "get_album": {"path.id": album_id},
    "update_album": {"path.id": album_id},
    "add_album_files": {"path.id": album_id},
    "open_share": {"path.token": share_token},
    "shared_file": {"path.token": share_token, "path.file_id": file_id},
    "open_link": {
        "path.id": link.path.rsplit("/", 1)[1],
        "query.expires": int(signed["expires"]),
        "query.sig": signed["sig"],
    },
}


def toml(value):
    return json.dumps(value)  # a JSON string or list is a TOML one


lines = [f"headers = {{ Authorization = {toml('Bearer ' + token)} }}", ""]
for operation_id, params in operations.items():
    pairs = ", ".join(f"{toml(k)} = {toml(v)}" for k, v in params.items())
    lines += ["[[operations]]", f"include-operation-id = {toml(operation_id)}", f"parameters = {{ {pairs} }}", ""]
with open(OUT, "w") as f:
    f.write("\n".join(lines))
