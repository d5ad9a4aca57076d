"""Kiln's MongoDB wire-protocol stand-in: nx-27017 (PyPI: the MongoDB wire
protocol served from SQLite through neosqlite), patched where it answers the
official Rust driver differently from MongoDB in ways Kiln's stores meet:

1. `create` of a GridFS collection (`<bucket>.files`/`.chunks`) fails, though
   GridFS collections are emulated by the server itself: answered `ok`.
2. GridFS file documents come back with `uploadDate` as an ISO string, not a
   BSON date: converted back, so the driver can decode them.
3. GridFS chunks come back with integer ids, not ObjectIds: made ObjectIds.
4. A compound index with `_id` among its keys becomes a SQLite index on the
   JSON path `_id`, which does not exist (`_id` has its own column), and
   every later insert fails: `_id` is dropped from such a key, and a unique
   index including `_id` is not created at all (`_id` alone is unique).

Known gaps that remain are listed in testing/README.md.

usage: server.py PORT DATA   (start.sh beside this file installs the packages
and runs it in the background; DATA is a directory, one SQLite file per
database, with DATA.pid and DATA.log beside it)
"""

import sys
from datetime import datetime

from bson import ObjectId
from nx_27017 import gridfs_adapter
from nx_27017 import handler
from nx_27017.gridfs_adapter import _is_gridfs_collection
from nx_27017.nx_27017 import main

# The handler class is not exported under a stable name: find it by its method.
Handler = next(
    c for c in vars(handler).values() if isinstance(c, type) and hasattr(c, "handle_command")
)
GridFS = gridfs_adapter.GridFSAdapter


def index_without_id(spec):
    """Patch 4: the index spec to create instead, or None for none."""
    key = spec.get("key", {})
    if "_id" not in key or len(key) < 2:
        return spec
    if spec.get("unique"):
        return None
    return dict(spec, key={k: v for k, v in key.items() if k != "_id"})


def patched_handle_command(original):
    def handle_command(self, msg):
        for kind, doc in msg.get("sections", []):
            if kind != "body":
                continue
            created = doc.get("create")
            if isinstance(created, str) and _is_gridfs_collection(created):
                return msg["request_id"], {"ok": 1}  # patch 1
            indexed = doc.get("createIndexes")
            if isinstance(indexed, str) and not _is_gridfs_collection(indexed):
                specs = (index_without_id(s) for s in doc.get("indexes", []))
                doc["indexes"] = [s for s in specs if s is not None]
        return original(self, msg)

    return handle_command


def patched_file_document(original):
    def convert(self, grid_out):
        d = original(self, grid_out)
        if isinstance(d.get("uploadDate"), str):  # patch 2
            d["uploadDate"] = datetime.fromisoformat(d["uploadDate"])
        return d

    return convert


def patched_chunks_find(original):
    def chunks_find(self, filter_query=None):
        chunks = original(self, filter_query)
        for c in chunks:
            if isinstance(c.get("_id"), int):  # patch 3
                c["_id"] = ObjectId(c["_id"].to_bytes(12, "big"))
        return chunks

    return chunks_find


Handler.handle_command = patched_handle_command(Handler.handle_command)
GridFS._convert_gridfs_result = patched_file_document(GridFS._convert_gridfs_result)
GridFS.handle_chunks_find = patched_chunks_find(GridFS.handle_chunks_find)

if __name__ == "__main__":
    port, data = sys.argv[1], sys.argv[2]
    sys.argv = ["nx-27017", "-p", port, "--db", data,
                "--pid-file", data + ".pid", "--log-file", data + ".log"]
    sys.exit(main())
