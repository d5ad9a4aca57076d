#!/usr/bin/env python3
"""Kiln fault suite (issue 15, item 8). Not part of CI.

Phase `faults`: N uploads of real images (thumbnail + metadata jobs) under
load while a random process (`kiln serve`, or a worker or the gateway) is
`kill -9`ed every few seconds and restarted, with a broker restart and a
store outage in the middle. Then, after a settle period: accepted uploads
lost, duplicate outputs, jobs stuck, jobs dead with their reasons, and the
time to recover after each fault.

Phase `malformed`: N malformed files (truncations, bit flips, header lies;
JPEG, PNG, GIF, WebP, WAV, MP3, FLAC, Ogg, M4A, MP4, MKV, WebM) with
thumbnail/metadata or convert/metadata jobs: process crashes, jobs finished
or dead with a reason, jobs stuck.

Backends: `embedded` (`kiln serve`, data dir on a private tmpfs so the store
outage is a full disk) and `rabbitmq` (`kiln gateway` + `kiln worker`s on
RabbitMQ and a private MongoDB wire-protocol stand-in, which the store outage
stops). Python 3.11 standard library and ffmpeg only. See README.md.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ beside the script
sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
MONGO_WIRE = REPO / "testing" / "servers" / "mongo-wire" / "start.sh"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kiln-test-servers"
MONGO_VENV_PY = CACHE / "mongo-wire-venv" / "bin" / "python"

T0 = time.time()


def now() -> float:
    return time.time()


def log(msg: str) -> None:
    print(f"[{now() - T0:7.1f}s] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def parse_range(s: str) -> tuple[float, float]:
    a, _, b = s.partition(":")
    return float(a), float(b or a)


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------

class Http:
    def __init__(self, port: int):
        self.port = port

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None, timeout: float = 30):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, dict(r.getheaders()), data
        finally:
            c.close()

    def json(self, method: str, path: str, **kw):
        st, h, data = self.request(method, path, **kw)
        try:
            return st, json.loads(data) if data else None
        except ValueError:
            return st, {"raw": data[:200].decode(errors="replace")}


# --------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------

class Proc:
    """One `kiln` process we start, kill and restart; its stderr appends to
    a log file. `expected_down` is set while we stopped it on purpose, so a
    death at any other time is a crash."""

    def __init__(self, name, argv, env, logdir: Path, marker: str):
        self.name, self.argv, self.env, self.marker = name, argv, env, marker
        self.log_path = logdir / f"{name}.log"
        self.p: subprocess.Popen | None = None
        self.expected_down = True
        self.starts = 0
        self.crashes: list[dict] = []
        self.peak_rss_kb = 0
        self.lock = threading.Lock()

    def start(self, timeout: float = 120) -> float:
        """Starts the process; returns when its ready line is logged."""
        with self.lock:
            f = open(self.log_path, "ab")
            offset = f.tell()
            f.write(f"\n===== start {self.starts + 1} at {now() - T0:.1f}s =====\n".encode())
            f.flush()
            self.p = subprocess.Popen(self.argv, env=self.env, stdout=f, stderr=f,
                                      stdin=subprocess.DEVNULL)
            f.close()
            self.starts += 1
            self.expected_down = False
        deadline = now() + timeout
        while now() < deadline:
            if self.p.poll() is not None:
                break
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                if self.marker.encode() in f.read():
                    return now()
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start; see {self.log_path}")

    def kill9(self) -> None:
        with self.lock:
            self.expected_down = True
            if self.p and self.p.poll() is None:
                self.p.send_signal(signal.SIGKILL)
                self.p.wait()

    def stop(self, grace: float = 40) -> None:
        with self.lock:
            self.expected_down = True
            if self.p and self.p.poll() is None:
                self.p.send_signal(signal.SIGTERM)
                try:
                    self.p.wait(grace)
                except subprocess.TimeoutExpired:
                    self.crashes.append({"at": now() - T0, "what": f"did not exit {grace}s after SIGTERM"})
                    self.p.kill()
                    self.p.wait()

    def check(self) -> bool:
        """False (and a crash recorded) if it died while it should run."""
        with self.lock:
            if self.expected_down or self.p is None:
                return True
            rc = self.p.poll()
            if rc is None:
                try:
                    for line in open(f"/proc/{self.p.pid}/status"):
                        if line.startswith("VmRSS:"):
                            self.peak_rss_kb = max(self.peak_rss_kb, int(line.split()[1]))
                except OSError:
                    pass
                return True
            tail = self.log_path.read_text(errors="replace").splitlines()[-15:]
            self.crashes.append({"at": round(now() - T0, 1), "exit": rc, "log_tail": tail})
            self.expected_down = True
            return False

    def panics(self) -> int:
        try:
            return self.log_path.read_text(errors="replace").count("panicked")
        except OSError:
            return 0


# --------------------------------------------------------------------------
# Backends
# --------------------------------------------------------------------------

class Backend:
    name = "?"

    def __init__(self, args, workdir: Path, tag: str):
        self.args, self.workdir, self.tag = args, workdir, tag
        self.logdir = workdir / "logs"
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.http = Http(self.port)
        self.procs: dict[str, Proc] = {}
        self.base_env = dict(os.environ)
        for k in list(self.base_env):
            if k.startswith("KILN_"):
                del self.base_env[k]
        self.base_env.update({
            "RUST_LOG": "info,lapin=warn,mongodb=warn",
            "KILN_GATEWAY__UPLOAD_RATE_LIMIT__PER_SECOND": "0",
            "KILN_SHUTDOWN_GRACE_SECS": "10",
        })

    def killable(self) -> list[str]:
        return list(self.procs)

    def start_all(self):
        for p in self.procs.values():
            p.start()

    def stop_all(self):
        for p in self.procs.values():
            p.stop()

    def supervise(self) -> list[str]:
        """Restarts any process that died on its own; names them."""
        dead = [n for n, p in self.procs.items() if not p.check()]
        for n in dead:
            log(f"CRASH: {n} exited on its own; restarting")
            try:
                self.procs[n].start()
            except RuntimeError as e:
                log(str(e))
        return dead

    def storage_census(self, referenced: set[str]) -> dict:
        return {}

    def cleanup(self):
        pass


class Embedded(Backend):
    name = "embedded"

    def __init__(self, args, workdir, tag):
        super().__init__(args, workdir, tag)
        self.data = workdir / "data"
        self.data.mkdir(parents=True, exist_ok=True)
        self.mounted = False
        if args.tmpfs_mb > 0 and os.geteuid() == 0:
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.tmpfs_mb}m",
                                "tmpfs", str(self.data)], capture_output=True)
            self.mounted = r.returncode == 0
            if not self.mounted:
                log(f"no tmpfs ({r.stderr.decode().strip()}); the store outage will be skipped")
        env = dict(self.base_env, KILN_DATA_DIR=str(self.data),
                   KILN_LISTEN=f"127.0.0.1:{self.port}")
        self.procs["serve"] = Proc("serve", [args.kiln, "serve"], env, self.logdir,
                                   "kiln listening on")

    def broker_restart(self, secs: float) -> float:
        """The embedded queue lives in the process: a clean stop (SIGTERM)
        and start, `secs` apart."""
        self.procs["serve"].stop()
        time.sleep(secs)
        return self.procs["serve"].start()

    def store_outage(self, secs: float) -> float | None:
        """Fills the data volume, holds it full `secs`, frees it."""
        if not self.mounted:
            return None
        filler = self.data / "fault-suite-filler"
        with open(filler, "wb", buffering=0) as f:
            chunk = b"\0" * (1 << 16)
            try:
                while True:
                    f.write(chunk)
            except OSError:
                pass
        log(f"  data volume full ({filler.stat().st_size >> 20} MiB filler)")
        time.sleep(secs)
        filler.unlink()
        return now()

    def storage_census(self, referenced: set[str]) -> dict:
        out = {}
        blobs = self.data / "blobs"
        for bucket in ("originals", "derived"):
            ids = [p.name for p in (blobs / bucket).glob("*/*")]
            out[f"{bucket}_blobs"] = len(ids)
            out[f"{bucket}_unreferenced"] = len([i for i in ids if i not in referenced])
        out["tmp_parts_left"] = len(list((blobs / "tmp").glob("*")))
        try:
            out["data_volume_used_mb"] = round((shutil.disk_usage(self.data).used) / 2**20, 1)
        except OSError:
            pass
        return out

    def cleanup(self):
        if self.mounted:
            # Keep what the volume held (for reproducing findings), then free it.
            subprocess.run(["cp", "-a", str(self.data), str(self.workdir / "data-kept")])
            subprocess.run(["umount", "-l", str(self.data)])


class Distributed(Backend):
    name = "rabbitmq"

    def __init__(self, args, workdir, tag, roles: dict[str, int]):
        super().__init__(args, workdir, tag)
        self.mongo_port = args.mongo_port
        self.mongo_dir = workdir / "mongo"
        self.mongo_uri = f"mongodb://127.0.0.1:{self.mongo_port}/?directConnection=true"
        self.db = f"fault{tag}"
        if port_open(self.mongo_port):
            raise SystemExit(f"port {self.mongo_port} is in use: --mongo-port names the private MongoDB stand-in's port")
        self.mongo_up()
        env = dict(self.base_env, **{
            "KILN_STORE": "mongodb",
            "KILN_MONGODB_URI": self.mongo_uri,
            "KILN_MONGODB_DATABASE": self.db,
            "KILN_MONGODB_CREATE_INDEXES": "false",
            "KILN_BROKER": "rabbitmq",
            "KILN_AMQP_URL": args.amqp_url,
            "KILN_NAMESPACE": self.db,
            "KILN_AUTH": "off",
            "KILN_LISTEN": f"127.0.0.1:{self.port}",
        })
        self.env = env
        self.prepare_indexes()
        self.procs["gateway"] = Proc("gateway", [args.kiln, "gateway"], env, self.logdir,
                                     "listening on http://")
        for role, n in roles.items():
            for i in range(1, n + 1):
                name = f"{role}-{i}"
                argv = [args.kiln, "worker", "--role", role, "--concurrency", str(args.worker_concurrency),
                        "--health-listen", f"127.0.0.1:{free_port()}"]
                self.procs[name] = Proc(name, argv, env, self.logdir, "probes on http://")

    def mongo_up(self) -> float:
        self.mongo_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(["bash", str(MONGO_WIRE), str(self.mongo_port), str(self.mongo_dir)],
                       check=True, stdout=subprocess.DEVNULL)
        return now()

    def mongo_down(self):
        pid = int((self.mongo_dir / "kiln.db.pid").read_text().strip())
        os.kill(pid, signal.SIGTERM)
        deadline = now() + 15
        while port_open(self.mongo_port) and now() < deadline:
            time.sleep(0.05)

    def pymongo(self, code: str) -> str:
        """Runs `code` with pymongo from the stand-in's virtualenv; `db` is
        the installation's database."""
        prelude = ("import pymongo, json\n"
                   f"db = pymongo.MongoClient({self.mongo_uri!r})[{self.db!r}]\n")
        r = subprocess.run([str(MONGO_VENV_PY), "-c", prelude + code],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        return r.stdout

    def prepare_indexes(self):
        """As the tests do: indexes made once by kiln, then the stand-in's
        malformed `_id` compound indexes dropped (adapters/src/test_servers.rs)."""
        env = dict(self.env, KILN_MONGODB_CREATE_INDEXES="true")
        p = Proc("prepare-indexes", [self.args.kiln, "gateway"], env, self.logdir, "listening on http://")
        p.start()
        p.stop()
        self.pymongo(
            "for name in ['jobs', 'files', 'metadata', 'history']:\n"
            "    for ix in list(db[name].list_indexes()):\n"
            "        n = ix['name']\n"
            "        if n.startswith('idx_') and n.endswith('__id'):\n"
            "            db[name].drop_index(n)\n")

    def killable(self):
        return [n for n in self.procs]

    def broker_restart(self, secs: float) -> float:
        subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True)
        time.sleep(secs)
        subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True)
        return now()

    def store_outage(self, secs: float) -> float:
        self.mongo_down()
        time.sleep(secs)
        return self.mongo_up()

    def storage_census(self, referenced: set[str]) -> dict:
        out = self.pymongo(
            "res = {}\n"
            "for b in ['originals', 'derived']:\n"
            "    names = [d['filename'] for d in db[b + '.files'].find({}, {'filename': 1})]\n"
            "    res[b] = names\n"
            "print(json.dumps(res))\n")
        res = json.loads(out)
        census = {}
        for b, names in res.items():
            c = collections.Counter(names)
            census[f"{b}_blobs"] = len(names)
            census[f"{b}_extra_revisions"] = sum(v - 1 for v in c.values())
            census[f"{b}_unreferenced"] = len([n for n in c if n not in referenced])
        return census

    def cleanup(self):
        try:
            self.mongo_down()
        except (OSError, ValueError):
            pass


def make_backend(name, args, workdir, tag, phase):
    if name == "embedded":
        return Embedded(args, workdir, tag)
    roles = {"thumbnail": args.thumbnail_workers, "metadata": 1}
    if phase == "malformed":
        roles["convert"] = 1
    return Distributed(args, workdir, tag, roles)


# --------------------------------------------------------------------------
# Uploading
# --------------------------------------------------------------------------

class Uploads:
    """Uploads items with a pool of client threads; each item is retried
    (503, 429, connection refused or reset...) until it gets a final answer
    or its deadline passes. Every 202 is recorded with its jobs."""

    def __init__(self, be: Backend, items, threads: int, deadline: float, rate: float = 0):
        self.be, self.items, self.threads, self.deadline = be, items, threads, deadline
        self.interval = 1 / rate if rate > 0 else 0
        self.t_next = now()
        self.accepted: list[dict] = []
        self.refused: list[dict] = []       # final 4xx answers (malformed phase)
        self.gave_up: list[str] = []
        self.attempt_outcomes = collections.Counter()
        self.ok_times: list[float] = []
        self.done = 0
        self.lock = threading.Lock()
        self.next = 0

    def _one(self, item):
        name, data, query, extra = item
        sha = hashlib.sha256(data).hexdigest()
        t_end = now() + self.deadline
        headers = {"X-Filename": name, "Content-Type": "application/octet-stream"}
        while True:
            try:
                st, body = self.be.http.json("POST", f"/v1/uploads?{query}", body=data,
                                             headers=headers, timeout=60)
                outcome = str(st)
            except (OSError, http.client.HTTPException) as e:
                st, body, outcome = None, None, type(e).__name__
            with self.lock:
                self.attempt_outcomes[outcome] += 1
            if st == 202:
                rec = {"name": name, "sha256": sha, "bytes": len(data), "file_id": body["file_id"],
                       "jobs": [{"id": j["id"], "kind": j["kind"]} for j in body["jobs"]],
                       "accepted_at": now(), "query": query, **extra}
                with self.lock:
                    self.accepted.append(rec)
                    self.ok_times.append(now())
                return
            if st is not None and 400 <= st < 500 and st != 429:
                with self.lock:
                    self.refused.append({"name": name, "status": st, "body": body, **extra})
                return
            if now() > t_end:
                with self.lock:
                    self.gave_up.append(name)
                return
            time.sleep(0.3)

    def _worker(self):
        while True:
            with self.lock:
                if self.next >= len(self.items):
                    return
                item = self.items[self.next]
                self.next += 1
                wait = self.t_next - now()
                self.t_next = max(now(), self.t_next) + self.interval
            if wait > 0:
                time.sleep(wait)
            self._one(item)
            with self.lock:
                self.done += 1

    def run(self):
        ts = [threading.Thread(target=self._worker, daemon=True) for _ in range(self.threads)]
        for t in ts:
            t.start()
        return ts


def job_list(be: Backend, status: str | None = None) -> list[dict]:
    jobs, cursor = [], None
    while True:
        q = {"limit": "200"}
        if status:
            q["status"] = status
        if cursor:
            q["cursor"] = cursor
        st, body = be.http.json("GET", "/v1/jobs?" + urllib.parse.urlencode(q), timeout=60)
        if st != 200:
            raise RuntimeError(f"GET /v1/jobs: {st} {body}")
        jobs += body["jobs"]
        cursor = body.get("next_cursor")
        if not cursor:
            return jobs


def settle(be: Backend, limit: float, accepted: list[dict]) -> float:
    """Waits until no job of an accepted upload is queued, running or failed
    (retrying), or `limit` seconds; returns how long it took. (Jobs of an
    upload killed before its commit may wait in the outbox until it
    removes them: they are counted apart, not waited for.)"""
    files = {r["file_id"] for r in accepted}
    t = now()
    quiet_since = None
    while now() - t < limit:
        be.supervise()
        try:
            pending = sum(1 for s in ("queued", "running", "failed")
                          for j in job_list(be, s) if j["file_id"] in files)
        except (OSError, RuntimeError, http.client.HTTPException):
            pending = -1
        if pending == 0:
            quiet_since = quiet_since or now()
            if now() - quiet_since > 3:
                return now() - t
        else:
            quiet_since = None
        time.sleep(2)
    return now() - t


def ts(s: str) -> float:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def thumb_requested(query: str) -> int:
    q = urllib.parse.parse_qs(query)
    sizes = set(q.get("thumbnails", ["256,1024"])[0].split(","))
    formats = set(q.get("formats", ["jpeg"])[0].split(","))
    return len(sizes) * len(formats)


def fetch(be: Backend, path: str):
    """(status, body) of a GET; a broken response is ("broken: why", None)."""
    try:
        st, _, data = be.http.request("GET", path, timeout=60)
        return st, data
    except (OSError, http.client.HTTPException) as e:
        return f"broken: {type(e).__name__}: {str(e)[:80]}", None


def verify(be: Backend, accepted: list[dict], check_blobs: bool = True) -> dict:
    """Final state of every accepted upload and of every job in the store."""
    all_jobs = {j["id"]: j for j in job_list(be)}
    lost_uploads, lost_jobs, missing_outputs, dup_outputs = [], [], [], []
    twice_succeeded, redelivered = [], 0
    referenced: set[str] = set()
    for rec in accepted:
        referenced.add(rec["file_id"])
        if check_blobs:
            st, data = fetch(be, f"/v1/files/{rec['file_id']}")
            if st != 200 or hashlib.sha256(data).hexdigest() != rec["sha256"]:
                lost_uploads.append({"name": rec["name"], "file_id": rec["file_id"],
                                     "status": st, "why": "original missing or different"})
        for j in rec["jobs"]:
            job = all_jobs.get(j["id"])
            if job is None:
                st, job = be.http.json("GET", f"/v1/jobs/{j['id']}")
                if st != 200:
                    lost_jobs.append({"name": rec["name"], "job": j["id"], "kind": j["kind"], "status": st})
                    continue
            outs = job.get("outputs") or []
            for o in outs:
                referenced.add(o["file_id"])
            if job["kind"] == "thumbnail":
                want = thumb_requested(rec["query"])
                ids = [o["file_id"] for o in outs]
                if len(outs) > want or len(set(ids)) != len(ids):
                    dup_outputs.append({"job": job["id"], "outputs": len(outs), "requested": want})
            if job["status"] == "succeeded" and check_blobs:
                for o in outs:
                    st, data = fetch(be, f"/v1/files/{o['file_id']}")
                    if st != 200 or len(data) != o["bytes"]:
                        missing_outputs.append({"job": job["id"], "output": o["file_id"], "status": st,
                                                "bytes": o["bytes"], "got": None if data is None else len(data),
                                                "job_updated_at": job["updated_at"]})
            hist = job.get("history") or []
            if sum(1 for a in hist if a.get("outcome") == "succeeded") > 1:
                twice_succeeded.append(job["id"])
            if job.get("attempts", 0) > 1:
                redelivered += 1
    acc_files = {r["file_id"] for r in accepted}
    unacked = {j["file_id"] for j in all_jobs.values()} - acc_files
    statuses = collections.Counter(j["status"] for j in all_jobs.values()
                                   if j["file_id"] in acc_files)
    dead = [j for j in all_jobs.values() if j["status"] == "dead" and j["file_id"] in acc_files]
    reasons = collections.Counter(short_reason(j.get("error")) for j in dead)
    stuck = [{"id": j["id"], "kind": j["kind"], "status": j["status"], "attempts": j["attempts"],
              "updated_at": j["updated_at"], "error": j.get("error")}
             for j in all_jobs.values() if j["status"] in ("queued", "running", "failed")
             and j["file_id"] in acc_files]
    uncommitted = [{"id": j["id"], "kind": j["kind"], "status": j["status"], "file_id": j["file_id"],
                    "created_at": j["created_at"]}
                   for j in all_jobs.values() if j["file_id"] not in acc_files
                   and j["status"] in ("queued", "running", "failed")]
    try:
        census = be.storage_census(referenced)
    except Exception as e:  # a census is a bonus, never the verdict
        census = {"error": str(e)[:300]}
    return {
        "all_jobs": all_jobs, "lost_uploads": lost_uploads, "lost_jobs": lost_jobs,
        "missing_outputs": missing_outputs, "duplicate_outputs": dup_outputs,
        "twice_succeeded": twice_succeeded, "jobs_with_retries": redelivered,
        "statuses": dict(statuses), "dead": dead, "dead_reasons": dict(reasons.most_common()),
        "dead_without_reason": [j["id"] for j in dead if not (j.get("error") or "").strip()],
        "stuck": stuck, "unacknowledged_files_recorded": len(unacked),
        "pending_jobs_of_unacknowledged_uploads": uncommitted, "storage": census,
    }


def short_reason(e: str | None) -> str:
    if not e:
        return "(no reason)"
    e = " ".join(e.split())
    # Group reasons that differ only by numbers and ids.
    import re
    e = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27,}", "<id>", e)
    e = re.sub(r"\d+", "N", e)
    return e[:110]


# --------------------------------------------------------------------------
# Phase 1: faults under load
# --------------------------------------------------------------------------

QUERIES = [
    ("thumbnails=64,256&formats=jpeg", 4),
    ("thumbnails=128&formats=jpeg,webp", 3),
    ("thumbnails=96,320&formats=webp", 2),
    ("thumbnails=256,1024&formats=jpeg", 2),
    ("thumbnails=64&formats=png", 1),
]


def load_items(args, rng, workdir: Path, n: int):
    pool = gen.make_image_pool(workdir.parent / "image-pool")
    weights = [1.0 if p.stat().st_size < 200_000 else 0.4 for p in pool]
    cache = {}
    items = []
    qs, qw = zip(*QUERIES)
    for i in range(n):
        p = rng.choices(pool, weights)[0]
        data = cache.setdefault(p, p.read_bytes())
        data = gen.make_unique(data, f"kiln-fault-suite {i} {rng.getrandbits(64):x}")
        items.append((f"up{i:04d}-{p.name}", data, rng.choices(qs, qw)[0], {}))
    return items


def phase_faults(args, be: Backend, rng: random.Random) -> dict:
    items = load_items(args, rng, be.workdir, args.uploads)
    log(f"{be.name}: {len(items)} images ({sum(len(i[1]) for i in items) >> 20} MiB); starting {list(be.procs)}")
    be.start_all()
    up = Uploads(be, items, args.concurrency, args.upload_deadline, args.rate)
    t_start = now()
    threads = up.run()
    events: list[dict] = []
    outage_at = {"broker": args.broker_restart_at, "store": args.store_outage_at}
    outages_done = set()
    lo, hi = parse_range(args.kill_every)
    dlo, dhi = parse_range(args.restart_after)
    next_kill = now() + rng.uniform(lo, hi)
    crashes_seen = []
    while any(t.is_alive() for t in threads):
        time.sleep(0.2)
        crashes_seen += be.supervise()
        progress = up.done / max(1, len(items))
        for kind in ("broker", "store"):
            secs = args.broker_outage if kind == "broker" else args.store_outage
            if kind in outages_done or progress < outage_at[kind] or secs < 0:
                continue
            outages_done.add(kind)
            t_fault = now()
            log(f"FAULT {kind} outage for {secs}s (at {up.done} uploads)")
            back = be.broker_restart(secs) if kind == "broker" else be.store_outage(secs)
            if back is None:
                events.append({"fault": f"{kind}-outage", "skipped": True})
                continue
            log(f"  {kind} back after {back - t_fault:.1f}s")
            events.append({"fault": f"{kind}-outage", "t_fault": t_fault, "t_back": back,
                           "target": kind, "down_secs": round(back - t_fault, 1)})
            next_kill = now() + rng.uniform(lo, hi)
        if args.kill_every != "0" and now() >= next_kill:
            target = rng.choice(be.killable())
            t_fault = now()
            be.procs[target].kill9()
            delay = rng.uniform(dlo, dhi)
            log(f"FAULT kill -9 {target} (at {up.done} uploads); restart in {delay:.1f}s")
            time.sleep(delay)
            try:
                back = be.procs[target].start()
            except RuntimeError as e:
                # Recorded, then tried once more (a second failure ends the phase).
                log(f"  RESTART FAILED: {e}")
                events.append({"fault": "kill-9", "target": target, "at_secs": round(t_fault - T0, 1),
                               "restart_failed": str(e)})
                be.procs[target].kill9()
                back = be.procs[target].start()
            events.append({"fault": "kill-9", "target": target, "t_fault": t_fault, "t_back": back,
                           "down_secs": round(back - t_fault, 2)})
            next_kill = now() + rng.uniform(lo, hi)
    t_load = now() - t_start
    log(f"uploads done in {t_load:.0f}s: {len(up.accepted)} accepted, {len(up.gave_up)} gave up; settling")
    t_settle = settle(be, args.settle, up.accepted)
    log(f"settled after {t_settle:.0f}s; verifying")
    crashes_seen += be.supervise()
    v = verify(be, up.accepted)
    recovery = recovery_times(events, up, v["all_jobs"])
    return {"load_secs": round(t_load, 1), "settle_secs": round(t_settle, 1),
            "uploads": len(items), "accepted": len(up.accepted), "gave_up": len(up.gave_up),
            "refused": len(up.refused), "refused_detail": up.refused[:20],
            "attempt_outcomes": dict(up.attempt_outcomes), "events": recovery,
            "unexpected_exits": {n: p.crashes for n, p in be.procs.items() if p.crashes},
            "panics_logged": {n: p.panics() for n, p in be.procs.items() if p.panics()},
            "peak_rss_mb": {n: round(p.peak_rss_kb / 1024, 1) for n, p in be.procs.items()},
            **{k: v[k] for k in v if k != "all_jobs"},
            "accepted_list": [{**r, "accepted_at_secs": round(r["accepted_at"] - T0, 2)} for r in up.accepted]}


def recovery_times(events, up: Uploads, all_jobs: dict) -> list[dict]:
    """For each fault: seconds from the restart until the next 202, and
    until every job accepted before the fault had ended (the backlog at the
    fault drained); for a worker, until the next job of its role ended."""
    ok = sorted(up.ok_times)
    acc = sorted(up.accepted, key=lambda r: r["accepted_at"])
    out = []
    for e in events:
        e = dict(e)
        if "t_back" not in e:
            out.append(e)
            continue
        back = e["t_back"]
        nxt = next((t for t in ok if t >= back), None)
        e["next_202_secs"] = round(nxt - back, 2) if nxt else None
        before = [j["id"] for r in acc if r["accepted_at"] <= e["t_fault"] for j in r["jobs"]]
        ends, never = [], 0
        for jid in before:
            j = all_jobs.get(jid)
            if j and j["status"] in ("succeeded", "dead"):
                ends.append(ts(j["updated_at"]))
            else:
                never += 1
        e["backlog_jobs"] = sum(1 for t in ends if t > e["t_fault"]) + never
        if never:
            e["drain_secs"] = None
        else:
            e["drain_secs"] = round(max(0.0, max(ends, default=back) - back), 1)
        role = e.get("target", "").rsplit("-", 1)[0]
        if role in ("thumbnail", "metadata", "convert"):
            done = [ts(j["updated_at"]) for j in all_jobs.values()
                    if j["kind"] == role and j["status"] in ("succeeded", "dead") and ts(j["updated_at"]) >= back]
            e["next_job_of_role_secs"] = round(min(done) - back, 2) if done else None
        e["at_secs"] = round(e.pop("t_fault") - T0, 1)
        e.pop("t_back")
        out.append(e)
    return out


# --------------------------------------------------------------------------
# Phase 2: malformed files
# --------------------------------------------------------------------------

def phase_malformed(args, be: Backend, rng: random.Random) -> dict:
    bases = gen.make_malformed_bases(be.workdir.parent / "malformed-bases")
    bad = gen.make_malformed(bases, args.malformed, rng)
    items = []
    for name, data, base, what in bad:
        q = "thumbnails=64,256&formats=jpeg,webp" if base.media == "image" else "convert=mp3"
        items.append((name, data, q, {"base": base.name, "fmt": base.fmt, "damage": what}))
    be.start_all()
    log(f"{be.name}: {len(items)} malformed files; no faults injected")
    up = Uploads(be, items, args.concurrency, args.upload_deadline)
    threads = up.run()
    t_start = now()
    crashes_seen = []
    while any(t.is_alive() for t in threads):
        time.sleep(0.3)
        crashes_seen += be.supervise()
    t_load = now() - t_start
    log(f"uploads done in {t_load:.0f}s: {len(up.accepted)} accepted, {len(up.refused)} refused; settling")
    t_settle = settle(be, args.settle, up.accepted)
    crashes_seen += be.supervise()
    log(f"settled after {t_settle:.0f}s; verifying")
    v = verify(be, up.accepted, check_blobs=False)
    by_fmt = collections.defaultdict(collections.Counter)
    jobs_by_file = collections.defaultdict(list)
    for j in v["all_jobs"].values():
        jobs_by_file[j["file_id"]].append(j)
    for r in up.accepted:
        for j in jobs_by_file[r["file_id"]]:
            by_fmt[r["fmt"]][f"{j['kind']}:{j['status']}"] += 1
    for r in up.refused:
        by_fmt[r["fmt"]][f"refused:{r['status']}"] += 1
    refused_codes = collections.Counter(
        f"{r['status']} {((r.get('body') or {}).get('error') or {}).get('code', '')}" for r in up.refused)
    stuck_detail = []
    names = {r["file_id"]: r for r in up.accepted}
    for s in v["stuck"]:
        r = names.get(v["all_jobs"][s["id"]]["file_id"], {})
        stuck_detail.append({**s, "name": r.get("name"), "damage": r.get("damage")})
    return {"load_secs": round(t_load, 1), "settle_secs": round(t_settle, 1),
            "uploads": len(items), "accepted": len(up.accepted), "refused": len(up.refused),
            "refused_codes": dict(refused_codes), "gave_up": len(up.gave_up),
            "attempt_outcomes": dict(up.attempt_outcomes),
            "unexpected_exits": {n: p.crashes for n, p in be.procs.items() if p.crashes},
            "panics_logged": {n: p.panics() for n, p in be.procs.items() if p.panics()},
            "peak_rss_mb": {n: round(p.peak_rss_kb / 1024, 1) for n, p in be.procs.items()},
            "by_format": {k: dict(c) for k, c in sorted(by_fmt.items())},
            **{k: v[k] for k in v if k not in ("all_jobs", "stuck")}, "stuck": stuck_detail}


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def fmt_secs(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "-"
    return f"median {statistics.median(xs):.1f}, max {max(xs):.1f}"


def table(results: dict) -> str:
    rows = []
    for key, r in results.items():
        backend, phase = key.split("/")
        if "error" in r:
            rows.append((key, "ERROR", r["error"][:100]))
            continue
        dead = r.get("statuses", {}).get("dead", 0)
        common = [
            ("uploads tried / accepted (202)", f"{r['uploads']} / {r['accepted']}"),
            ("process crashes (unexpected exits)", sum(len(c) for c in r["unexpected_exits"].values())),
            ("panics in logs", sum(r["panics_logged"].values())),
            ("jobs of accepted uploads stuck after settle", len(r["stuck"])),
            ("job status counts", ", ".join(f"{k} {v}" for k, v in sorted(r["statuses"].items()))),
            ("jobs dead / without a reason", f"{dead} / {len(r['dead_without_reason'])}"),
        ]
        if phase == "faults":
            kills = [e for e in r["events"] if e["fault"] == "kill-9"]
            outs = [e for e in r["events"] if e["fault"] != "kill-9"]
            lines = [
                ("accepted uploads lost (record or original)", len(r["lost_uploads"])),
                ("accepted jobs lost (no record)", len(r["lost_jobs"])),
                ("duplicate outputs (more than requested)", len(r["duplicate_outputs"])),
                ("jobs that succeeded twice (history)", len(r["twice_succeeded"])),
                ("succeeded jobs with an output missing", len(r["missing_outputs"])),
                ("uploads gave up (no 202 within deadline)", r["gave_up"]),
                ("unacknowledged uploads recorded / their jobs still pending",
                 f"{r['unacknowledged_files_recorded']} / {len(r.get('pending_jobs_of_unacknowledged_uploads', []))}"),
                ("upload attempts by outcome", ", ".join(f"{k} {v}" for k, v in sorted(r["attempt_outcomes"].items()))),
                ("jobs with more than one attempt", r["jobs_with_retries"]),
                ("kill -9 faults", f"{len(kills)} ({', '.join(f'{k} {v}' for k, v in collections.Counter(e['target'] for e in kills).items())})"),
                ("  restart -> next 202, s", fmt_secs([e.get("next_202_secs") for e in kills])),
                ("  restart -> backlog drained, s", fmt_secs([e.get("drain_secs") for e in kills])
                 + (f"; never: {sum(1 for e in kills if 'drain_secs' in e and e['drain_secs'] is None)}")),
            ]
            for e in outs:
                if e.get("skipped"):
                    lines.append((e["fault"], "skipped"))
                    continue
                lines.append((f"{e['fault']} ({e['down_secs']}s down)",
                              f"next 202 {e.get('next_202_secs')} s, backlog of {e.get('backlog_jobs')} drained "
                              f"{e.get('drain_secs')}s after it was back"))
            lines.append(("dead reasons", "; ".join(f"{v}x {k}" for k, v in list(r["dead_reasons"].items())[:6]) or "-"))
            lines.append(("storage census", ", ".join(f"{k} {v}" for k, v in r["storage"].items())))
            lines.append(("load / settle, s", f"{r['load_secs']} / {r['settle_secs']}"))
            common += lines
        else:
            common += [
                ("refused at upload", ", ".join(f"{k}: {v}" for k, v in r["refused_codes"].items()) or "0"),
                ("dead reasons (top)", "; ".join(f"{v}x {k}" for k, v in list(r["dead_reasons"].items())[:8]) or "-"),
                ("peak RSS MB", ", ".join(f"{k} {v}" for k, v in r["peak_rss_mb"].items())),
                ("load / settle, s", f"{r['load_secs']} / {r['settle_secs']}"),
            ]
        for k, v in common:
            rows.append((key, k, str(v)))
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    out = []
    last = None
    for a, b, c in rows:
        if a != last and last is not None:
            out.append("-" * (w0 + w1 + 60))
        out.append(f"{a if a != last else '':<{w0}}  {b:<{w1}}  {c}")
        last = a
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kiln", default="/tmp/kiln-fault",
                    help="the kiln binary (default /tmp/kiln-fault)")
    ap.add_argument("--backends", default="embedded,rabbitmq", help="embedded, rabbitmq, or both")
    ap.add_argument("--phases", default="faults,malformed", help="faults, malformed, or both")
    ap.add_argument("--uploads", type=int, default=1000, help="uploads in the fault phase")
    ap.add_argument("--malformed", type=int, default=1000, help="malformed files")
    ap.add_argument("--quick", action="store_true", help="100 uploads and 100 malformed files; shorter settle")
    ap.add_argument("--concurrency", type=int, default=4, help="client threads uploading at once")
    ap.add_argument("--rate", type=float, default=10, help="uploads started per second in the fault phase (0: as fast as they go)")
    ap.add_argument("--kill-every", default="3:8", help="seconds between kill -9s, uniform MIN:MAX (0: none)")
    ap.add_argument("--restart-after", default="0.5:2", help="seconds a killed process stays down, MIN:MAX")
    ap.add_argument("--broker-outage", type=float, default=10, help="seconds the broker is down (-1: none)")
    ap.add_argument("--store-outage", type=float, default=10, help="seconds the store is down (-1: none)")
    ap.add_argument("--broker-restart-at", type=float, default=0.35, help="fraction of uploads done")
    ap.add_argument("--store-outage-at", type=float, default=0.65, help="fraction of uploads done")
    ap.add_argument("--settle", type=float, default=300, help="most seconds to wait for jobs to end")
    ap.add_argument("--upload-deadline", type=float, default=180, help="seconds one upload is retried")
    ap.add_argument("--thumbnail-workers", type=int, default=2, help="thumbnail worker replicas (rabbitmq)")
    ap.add_argument("--worker-concurrency", type=int, default=2)
    ap.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/%2f")
    ap.add_argument("--mongo-port", type=int, default=27029,
                    help="port of the private MongoDB stand-in (never 27018, the tests' one)")
    ap.add_argument("--tmpfs-mb", type=int, default=1024, help="size of the embedded data volume (0: no tmpfs, no store outage)")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--out", default="/tmp/kiln-fault-suite", help="output directory")
    args = ap.parse_args()
    if args.quick:
        args.uploads, args.malformed = min(args.uploads, 100), min(args.malformed, 100)
        args.settle = min(args.settle, 120)
        # Slower, so both outages fall inside the upload window.
        args.rate = min(args.rate, 3) if args.rate > 0 else 3
    if args.mongo_port == 27018:
        raise SystemExit("--mongo-port 27018 is the tests' server; the store outage kills this one")
    if not Path(args.kiln).exists():
        raise SystemExit(f"no kiln binary at {args.kiln} (--kiln)")
    tag = time.strftime("%Y%m%d%H%M%S")
    out = Path(args.out) / tag
    out.mkdir(parents=True, exist_ok=True)
    log(f"output in {out}; kiln {args.kiln}")
    results = {}
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        for phase in [p.strip() for p in args.phases.split(",") if p.strip()]:
            key = f"{backend}/{phase}"
            rng = random.Random(f"{args.seed}/{key}")
            workdir = out / backend / phase
            workdir.mkdir(parents=True, exist_ok=True)
            be = None
            t = now()
            try:
                be = make_backend(backend, args, workdir, tag + phase[0], phase)
                r = phase_faults(args, be, rng) if phase == "faults" else phase_malformed(args, be, rng)
            except Exception as e:
                import traceback
                traceback.print_exc()
                r = {"error": f"{type(e).__name__}: {e}"}
            finally:
                if be:
                    be.stop_all()
                    be.cleanup()
            r["wall_secs"] = round(now() - t, 1)
            results[key] = r
            (workdir / "result.json").write_text(json.dumps(r, indent=1, default=str))
            log(f"{key} done in {r['wall_secs']}s")
    summary = {"args": vars(args), "results": results}
    text = table(results)
    print("\n" + text)
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    (out / "summary.txt").write_text(text + "\n")
    log(f"summary: {out / 'summary.json'}")


if __name__ == "__main__":
    main()
