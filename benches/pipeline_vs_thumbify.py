#!/usr/bin/env python3
"""Kiln's `kiln serve` against Thumbify (a seed system: FastAPI + Redis + Pillow workers), end to end.

    python3 benches/pipeline_vs_thumbify.py --kiln target/release/kiln --rounds 3
    python3 benches/pipeline_vs_thumbify.py --one-core     # then Kiln on one core against vipsthumbnail
    python3 benches/pipeline_vs_thumbify.py --both-cores   # then kiln serve at thumbnail concurrency 1 and 2

Per round and system a fresh server: `kiln serve` (embedded store and broker, new data directory, no
upload rate limit), Thumbify as shipped (its start.sh: API, WORKERS workers each sleeping 1 s after a job,
its own redis-server on a free port) and Thumbify with the sleep removed (start.sh --no-sleep, which
patches a temporary copy; the seed's files are never edited). CLIENTS threads upload the images of
--images (or a generated set) back to back, and POLLERS threads poll every job's status every --interval
(50 ms) until it is done, as Thumbify's load.py does (--loop closed instead: each client follows its
own upload to done before the next). The order of the systems rotates between rounds. Reported per
system: jobs/s, p50/p99 of upload-to-done latency, CPU seconds per job of the whole server process tree
(from /proc: Thumbify's API, workers and Redis), peak RSS (sum of VmHWM over those processes), and the
ratios Kiln/Thumbify. See benches/README.md.

Thumbify is a benchmark peer only: nothing in Kiln needs it; without it this script stops with a message.
Only the loopback is used. Needs ffmpeg and vips (libvips-tools) when it generates the images.
"""
import argparse
import http.client
import itertools
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
FIELDS_OF_KILN = "thumbnails=256&formats=jpeg&metadata=false&dedupe=false"


# ---------------------------------------------------------------- /proc

def proc_stat(pid):
    """(ppid, CPU seconds incl. reaped children) of a live process, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the comm: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17), 1-based.
    return int(rest[1]), sum(int(x) for x in rest[11:15]) / TICKS


def vm_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def comm(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def process_tree(roots):
    """The live processes among roots and their descendants."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_stat(int(d))
            if st:
                children.setdefault(st[0], []).append(int(d))
    out, todo = set(), [r for r in roots if os.path.exists(f"/proc/{r}")]
    while todo:
        p = todo.pop()
        if p not in out:
            out.add(p)
            todo.extend(children.get(p, []))
    return out


class TreeMeter:
    """Samples a process tree every 0.2 s: last CPU seen per process, and VmHWM (peak RSS)."""

    def __init__(self, roots):
        self.roots = list(roots)
        self.cpu, self.hwm, self.name = {}, {}, {}
        self.base = {}
        self.sample()
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def sample(self):
        for p in process_tree(self.roots):
            st = proc_stat(p)
            if st:
                self.cpu[p] = st[1]
                self.hwm[p] = max(self.hwm.get(p, 0), vm_hwm_kib(p))
                self.name.setdefault(p, comm(p))

    def _loop(self):
        while not self.stop_ev.wait(0.2):
            self.sample()

    def mark(self):
        """Starts the CPU count here."""
        self.sample()
        self.base = dict(self.cpu)

    def cpu_since_mark(self, by_name=False):
        self.sample()
        if by_name:
            out = {}
            for p, c in self.cpu.items():
                out[self.name[p]] = out.get(self.name[p], 0.0) + c - self.base.get(p, 0.0)
            return out
        return sum(c - self.base.get(p, 0.0) for p, c in self.cpu.items())

    def peak_rss_mib(self):
        self.sample()
        return sum(self.hwm.values()) / 1024

    def stop(self):
        self.stop_ev.set()
        self.thread.join()


# ---------------------------------------------------------------- servers

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def wait_gone(pids, secs=15):
    """Waits for processes that are not our children (start.sh's) to end; SIGKILL after SECS."""
    deadline = time.time() + secs
    while time.time() < deadline:
        alive = [p for p in pids if proc_state(p) not in (None, "Z")]
        if not alive:
            return
        time.sleep(0.1)
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


class Kiln:
    terminal = {"succeeded": "succeeded", "dead": "failed"}  # Kiln's `failed` is retried: not terminal

    def __init__(self, binary, fields, pin=False, env_extra=None):
        self.data = tempfile.mkdtemp(prefix="kiln-vs-thumbify.")
        env = dict(os.environ, RUST_LOG="warn", KILN_GATEWAY__UPLOAD_RATE_LIMIT__PER_SECOND="0")
        for k in ("KILN_OTLP_ENDPOINT", "KILN_METRICS", "KILN_CONFIG"):
            env.pop(k, None)
        env.update(env_extra or {})
        argv = [binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data]
        if pin:
            argv = ["taskset", "-c", "0", *argv]  # taskset execs kiln: same pid
        self.proc = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)
        for line in self.proc.stderr:
            if line.startswith("kiln listening on "):
                self.base = line.split()[3]
                break
        else:
            sys.exit("kiln serve exited early (see its output above)")
        threading.Thread(target=lambda: [None for _ in self.proc.stderr], daemon=True).start()
        self.fields = fields
        self.poll_count = itertools.count()
        self.pids = [self.proc.pid]
        u = urllib.parse.urlsplit(self.base)
        self.host, self.port = u.hostname, u.port

    def upload(self, conn, name, data):
        conn.request("POST", f"/v1/uploads?{self.fields}", body=data,
                     headers={"X-Filename": name, "Content-Type": "application/octet-stream"})
        r = conn.getresponse()
        body = r.read()
        if r.status != 202:
            raise RuntimeError(f"kiln upload: {r.status} {body[:200]!r}")
        return [j["id"] for j in json.loads(body)["jobs"]]

    def status_path(self, job):
        return f"/v1/jobs/{job}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.data, ignore_errors=True)


class Thumbify:
    terminal = {"succeeded": "succeeded", "failed": "failed"}

    def __init__(self, seed, workers, no_sleep):
        self.port, redis_port = free_port(), free_port()
        while redis_port == self.port:
            redis_port = free_port()
        # start.sh copies src/ and worker/ into a temporary directory (patching the copy with
        # --no-sleep) and starts a redis-server of its own on redis_port: the machine's shared Redis
        # on 6379 is never touched.
        argv = ["bash", str(seed / "start.sh"), str(self.port), str(redis_port), str(workers)]
        if no_sleep:
            argv.append("--no-sleep")
        r = subprocess.run(argv, capture_output=True, text=True, timeout=900)
        out = dict(kv.split("=", 1) for kv in r.stdout.split() if "=" in kv)
        pids_file = out.get("pids")
        if pids_file:
            self.run_dir = os.path.dirname(pids_file)
            self.pids = [int(x) for x in Path(pids_file).read_text().split()]
        if r.returncode != 0 or "base" not in out:
            if pids_file:
                self.stop()
            sys.exit(f"thumbify did not start ({' '.join(argv)}):\n{r.stdout}{r.stderr}")
        self.host, self.poll_count = "127.0.0.1", itertools.count()

    def upload(self, conn, name, data):
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        conn.request("POST", "/upload/", body=body,
                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        r = conn.getresponse()
        payload = r.read()
        if r.status != 200:
            raise RuntimeError(f"thumbify upload: {r.status} {payload[:200]!r}")
        return [json.loads(payload)["job_id"]]

    def status_path(self, job):
        return f"/job/status/{job}"

    def stop(self):
        for p in self.pids:
            try:
                os.kill(p, signal.SIGTERM)
            except OSError:
                pass
        wait_gone(self.pids)
        shutil.rmtree(self.run_dir, ignore_errors=True)


# ---------------------------------------------------------------- load

def quantile(xs, q):  # linear interpolation between closest ranks, as load.py
    if not xs:
        return float("nan")
    xs = sorted(xs)
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def follow(server, conn, name, data, interval, deadline):
    """Uploads one file and polls its jobs until each is terminal: (status, seconds)."""
    sent = time.perf_counter()
    jobs = server.upload(conn, name, data)
    outcome = "succeeded"
    for job in jobs:
        while True:
            if time.perf_counter() > deadline:
                return "timeout", None
            time.sleep(interval)
            next(server.poll_count)  # itertools.count: atomic under the GIL
            conn.request("GET", server.status_path(job))
            r = conn.getresponse()
            body = r.read()
            st = json.loads(body).get("status") if r.status == 200 else None
            if st in server.terminal:
                if server.terminal[st] != "succeeded":
                    outcome = "failed"
                break
    return outcome, time.perf_counter() - sent


def run_load(server, files, clients, interval, tag, timeout):
    """CLIENTS threads take the files in turn; returns (results, wall seconds)."""
    it = iter(enumerate(files))
    lock = threading.Lock()
    results = []
    deadline = time.perf_counter() + timeout

    def client():
        conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
        while True:
            with lock:
                nxt = next(it, None)
            if nxt is None:
                break
            i, (name, data) = nxt
            try:
                res = follow(server, conn, f"{tag}_{i:04d}_{name}", data, interval, deadline)
            except Exception as e:  # a broken connection or a refused upload: counted, not fatal
                res = (f"error: {e}", None)
                conn.close()
                conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
            with lock:
                results.append(res)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started, next(server.poll_count)


def run_load_open(server, files, clients, pollers, interval, tag, timeout):
    """As Thumbify's load.py: CLIENTS threads upload the files back to back, without waiting;
    POLLERS threads poll every job every INTERVAL until it is terminal. Returns (results, wall)."""
    import heapq
    it = iter(enumerate(files))
    cv = threading.Condition()
    heap, seq = [], [0]
    uploads = {}                     # upload index -> [sent, jobs left, outcome, seconds]
    unresolved = [len(files)]
    started = time.perf_counter()
    deadline = started + timeout
    last_seen = [started]
    polls = [0]

    def uploader():
        conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
        while True:
            with cv:
                nxt = next(it, None)
            if nxt is None:
                break
            i, (name, data) = nxt
            sent = time.perf_counter()
            try:
                jobs = server.upload(conn, f"{tag}_{i:04d}_{name}", data)
            except Exception as e:
                conn.close()
                conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
                with cv:
                    uploads[i] = [sent, 0, f"error: {e}", None]
                    unresolved[0] -= 1
                    cv.notify_all()
                continue
            with cv:
                uploads[i] = [sent, len(jobs), "succeeded", None]
                for j in jobs:
                    heapq.heappush(heap, (time.perf_counter() + interval, seq[0], i, j))
                    seq[0] += 1
                cv.notify_all()
        conn.close()

    def poller():
        conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
        while True:
            with cv:
                while True:
                    now = time.perf_counter()
                    if unresolved[0] == 0 or now > deadline:
                        cv.notify_all()
                        conn.close()
                        return
                    if heap and heap[0][0] <= now:
                        _, _, i, job = heapq.heappop(heap)
                        break
                    cv.wait(min(heap[0][0] - now if heap else 0.5, deadline - now))
            try:
                conn.request("GET", server.status_path(job))
                r = conn.getresponse()
                body = r.read()
                st = json.loads(body).get("status") if r.status == 200 else None
            except Exception:
                conn.close()
                conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
                st = None
            done = time.perf_counter()
            with cv:
                polls[0] += 1
                u = uploads[i]
                if st in server.terminal:
                    if server.terminal[st] != "succeeded":
                        u[2] = "failed"
                    u[1] -= 1
                    if u[1] == 0:
                        u[3] = done - u[0]
                        unresolved[0] -= 1
                        last_seen[0] = max(last_seen[0], done)
                        cv.notify_all()
                else:
                    heapq.heappush(heap, (done + interval, seq[0], i, job))
                    seq[0] += 1
                    cv.notify()

    threads = [threading.Thread(target=uploader) for _ in range(clients)]
    threads += [threading.Thread(target=poller) for _ in range(pollers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = [(u[2], u[3]) if u[3] is not None or u[2].startswith("error") else ("timeout", None)
               for u in uploads.values()]
    return results, last_seen[0] - started, polls[0]


def one_round(system, make_server, files, args, tag):
    server = make_server()
    meter = TreeMeter(server.pids)
    try:
        # One untimed upload: first-use costs (imports, SQLite pages, thread pools).
        warm, _, _ = run_load(server, files[:1], 1, args.interval, f"{tag}w", 300)
        if warm[0][0] != "succeeded":
            sys.exit(f"{system}: the warm-up upload ended {warm[0][0]}")
        if system == "thumbify":
            time.sleep(1.1)  # the warm-up's worker sleeps 1 s after its job
        meter.mark()
        if args.loop == "open":
            results, wall, polls = run_load_open(server, files, args.clients, args.pollers, args.interval, tag,
                                          args.timeout)
        else:
            server.poll_count = itertools.count()
            results, wall, polls = run_load(server, files, args.clients, args.interval, tag, args.timeout)
        cpu = meter.cpu_since_mark(by_name=True)
        rss = meter.peak_rss_mib()
    finally:
        meter.stop()
        server.stop()
    ok = [s for st, s in results if st == "succeeded"]
    bad = [st for st, _ in results if st != "succeeded"]
    done = len(ok) + sum(1 for st in bad if st == "failed")
    return {
        "jobs_per_s": done / wall,
        "latencies": ok,
        "bad": bad,
        "cpu_per_job": sum(cpu.values()) / max(done, 1),
        "cpu_parts": {k: v / max(done, 1) for k, v in cpu.items()},
        "rss_mib": rss,
        "polls_per_job": polls / max(len(results), 1),
    }


# ---------------------------------------------------------------- images

def make_images(out_dir, count):
    """COUNT JPEGs of 0.3 to 12 MP, different scenes and qualities, baseline and progressive."""
    sizes = [(640, 480), (1024, 768), (1600, 1200), (2048, 1536), (3000, 2000), (4000, 3000),
             (1080, 1920), (2448, 3264), (3264, 2448), (800, 600)]
    scenes = ["testsrc2", "mandelbrot", "cellauto=rule=110", "life=mold=10:ratio=0.5:death_color=#203040",
              "gradients=n=5:type=radial", "testsrc"]
    have_vips = shutil.which("vips") is not None
    made = []
    for i in range(count):
        w, h = sizes[i % len(sizes)]
        scene = scenes[i % len(scenes)]
        q = [2, 4, 6, 3, 8][i % 5]  # ffmpeg's -q:v: 2 is about JPEG quality 95, 8 about 75
        progressive = i % 3 == 2 and have_vips
        src = f"{scene}=size={w}x{h}" if "=" not in scene else f"{scene}:size={w}x{h}"
        path = out_dir / f"gen{i:02d}_{w}x{h}_{'prog' if progressive else 'base'}.jpg"
        tmp = out_dir / f".tmp{i}.jpg"
        # A little noise so the files are photo-like rather than flat test cards.
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", src, "-frames:v", "1",
                        "-vf", "noise=alls=12:allf=t,format=yuvj420p", "-q:v", str(q),
                        str(tmp if progressive else path)], check=True)
        if progressive:
            # ffmpeg's MJPEG encoder writes baseline only; neither Pillow nor ImageMagick is on the
            # system Python / PATH here, so vips re-encodes it progressive.
            subprocess.run(["vips", "jpegsave", str(tmp), str(path), "--Q", str(95 - 5 * q), "--interlace"],
                           check=True)
            tmp.unlink()
        made.append(path)
    return made


def jpeg_kind(data):
    sys.path.insert(0, str(REPO / "benches"))
    from imginfo import jpeg_info
    info = jpeg_info(data)
    return info if info else ("other", 0, 0)


# ---------------------------------------------------------------- one core

def run_pinned(argv, env):
    pid = os.posix_spawnp("taskset", ["taskset", "-c", "0", *argv], env)
    _, status, ru = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(argv)}")
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def closed_loop_round(server, files, clients, warm, args, tag, label):
    """One measured closed-loop round on a fresh Kiln server, then stops it: WARM untimed warm-up
    uploads, then every file. Returns (results, wall s, CPU s, peak RSS MiB)."""
    meter = TreeMeter(server.pids)
    try:
        run_load(server, files[:warm], warm, args.one_core_interval, f"{tag}w", 300)
        meter.mark()
        results, wall, _ = run_load(server, files, clients, args.one_core_interval, tag, args.timeout)
        cpu = meter.cpu_since_mark()
        rss = meter.peak_rss_mib()
    finally:
        meter.stop()
        server.stop()
    bad = [st for st, _ in results if st != "succeeded"]
    if bad:
        print(f"  {label}: {len(bad)} not succeeded: {bad[:3]}")
    return results, wall, cpu, rss


def one_core(args, paths, files):
    print("\n== one core: kiln serve pinned to CPU 0 (1 client, one upload at a time, followed to done,"
          f" polled every {1000 * args.one_core_interval:.0f} ms) against vipsthumbnail pinned to CPU 0"
          " (one process per file, VIPS_CONCURRENCY=1), Q80 JPEG, same files ==")
    env = dict(os.environ, VIPS_CONCURRENCY="1", OMP_NUM_THREADS="1")
    rows = []
    for label, fields, sizes in (("256", FIELDS_OF_KILN, [256]),
                                 ("256+1024", FIELDS_OF_KILN.replace("thumbnails=256", "thumbnails=256,1024"),
                                  [1024, 256])):
        res = {"kiln": [], "vips": []}
        for r in range(args.rounds):
            for system in (("kiln", "vips") if r % 2 == 0 else ("vips", "kiln")):
                if system == "kiln":
                    server = Kiln(args.kiln, fields, pin=True)
                    results, wall, cpu, rss = closed_loop_round(server, files, 1, 1, args, f"oc{r}",
                                                                f"kiln round {r + 1}")
                    res["kiln"].append((len(files) / wall, cpu / len(files), rss))
                else:
                    with tempfile.TemporaryDirectory() as out:
                        cpu, rss, t0 = 0.0, 0, time.perf_counter()
                        for p in paths:
                            src = str(p)
                            for size in sizes:  # 1024 first, then 256 from the 1024 output
                                dst = f"{out}/{p.stem}_{size}.jpg"
                                c, m = run_pinned(["vipsthumbnail", "--size", str(size), "-o",
                                                   f"{dst}[Q=80,strip]", src], env)
                                cpu, rss, src = cpu + c, max(rss, m), dst
                        wall = time.perf_counter() - t0
                    res["vips"].append((len(paths) / wall, cpu / len(paths), rss / 1024))
        k = [statistics.median(x[i] for x in res["kiln"]) for i in range(2)] + [max(x[2] for x in res["kiln"])]
        v = [statistics.median(x[i] for x in res["vips"]) for i in range(2)] + [max(x[2] for x in res["vips"])]
        rows.append((label, k, v))
    print(f"{'sizes':9} {'kiln files/s':>13} {'vips files/s':>13} {'kiln/vips':>10}   "
          f"{'kiln CPU ms/file':>17} {'vips CPU ms/file':>17} {'kiln/vips':>10}   {'kiln RSS MiB':>12} {'vips RSS MiB':>12}")
    for label, k, v in rows:
        print(f"{label:9} {k[0]:13.2f} {v[0]:13.2f} {k[0] / v[0]:10.3f}   {1000 * k[1]:17.1f} {1000 * v[1]:17.1f} "
              f"{k[1] / v[1]:10.3f}   {k[2]:12.1f} {v[2]:12.1f}")
    print("(files/s: medians of the rounds, wall time incl. HTTP, queue and polling for kiln, process start-up "
          "for vips; vips RSS is the largest single process, kiln's its server's peak)")
    with tempfile.TemporaryDirectory() as d:  # what one vipsthumbnail process costs on a nearly empty file
        tiny = f"{d}/tiny.jpg"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=16x16", "-frames:v", "1",
                        tiny], check=True)
        walls, cpus = [], []
        for _ in range(9):
            t0 = time.perf_counter()
            c, _ = run_pinned(["vipsthumbnail", "--size", "256", "-o", f"{d}/out.jpg[Q=80,strip]", tiny], env)
            walls.append(time.perf_counter() - t0)
            cpus.append(c)
    up = statistics.median(cpus)
    print(f"vipsthumbnail start-up (a 16x16 file, median of 9): {1000 * statistics.median(walls):.1f} ms wall, "
          f"{1000 * up:.1f} ms CPU per process; less that, vips CPU ms/file and kiln/vips: "
          + ", ".join(f"{label} {1000 * (v[1] - n * up):.1f} ({k[1] / (v[1] - n * up):.3f})"
                      for (label, k, v), n in zip(rows, (1, 2))))


# ---------------------------------------------------------------- both cores

def both_cores(args, files):
    """kiln serve on every core, at thumbnail concurrency 1 and 2: does the pipeline scale as the engine does?"""
    print(f"\n== both cores: kiln serve unpinned, thumbnail concurrency 1 and 2, {args.clients} clients, closed loop "
          f"(each follows its upload to done, polled every {1000 * args.one_core_interval:.0f} ms), 256 px ==")
    res = {1: [], 2: []}
    for r in range(args.rounds):
        for conc in ((1, 2) if r % 2 == 0 else (2, 1)):
            server = Kiln(args.kiln, FIELDS_OF_KILN,
                          env_extra={"KILN_WORKERS__THUMBNAIL__CONCURRENCY": str(conc)})
            results, wall, cpu, _ = closed_loop_round(server, files, args.clients, 2, args, f"bc{r}",
                                                      f"concurrency {conc} round {r + 1}")
            lat = sorted(s for st, s in results if st == "succeeded")
            res[conc].append((len(files) / wall, cpu / wall, lat[len(lat) // 2] if lat else float("nan")))
            print(f"round {r + 1} concurrency {conc}: {len(files) / wall:7.2f} jobs/s, kiln using {cpu / wall:.2f} CPUs")
    med = {c: [statistics.median(x[i] for x in v) for i in range(3)] for c, v in res.items()}
    for c in (1, 2):
        print(f"concurrency {c}: {med[c][0]:7.2f} jobs/s  {med[c][1]:.2f} CPUs  p50 {med[c][2]:.3f} s")
    print(f"concurrency 2 / concurrency 1: {med[2][0] / med[1][0]:.2f}x jobs/s "
          "(the engine alone: benches/thumbnails.py's concurrency section; this driver shares the two CPUs)")


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kiln", default=str(REPO / "target/release/kiln"), help="kiln binary (default target/release/kiln)")
    ap.add_argument("--thumbify", default=str(REPO.parent / "shared/seeds/thumbify"),
                    help="Thumbify seed directory (default ../shared/seeds/thumbify beside the repository)")
    ap.add_argument("--images", help="directory of JPEGs (default: a generated set, see --count)")
    ap.add_argument("--count", type=int, default=24, help="generated images (default 24)")
    ap.add_argument("--repeat", type=int, default=4, help="uploads of each image per round (default 4)")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2, help="Thumbify workers (default 2)")
    ap.add_argument("--loop", choices=["open", "closed"], default="open",
                    help="open (default, as load.py): clients upload back to back and pollers follow every job; "
                         "closed: each client follows its upload to done before the next")
    ap.add_argument("--pollers", type=int, default=4, help="status pollers with --loop open (default 4, as load.py)")
    ap.add_argument("--interval", type=float, default=0.05, help="status poll interval, s (default 0.05)")
    ap.add_argument("--timeout", type=float, default=1800, help="per round and system, s")
    ap.add_argument("--systems", default="kiln,thumbify,thumbify-nosleep",
                    help="comma-separated subset of kiln,thumbify,thumbify-nosleep")
    ap.add_argument("--one-core", action="store_true", help="also Kiln pinned to one core against vipsthumbnail")
    ap.add_argument("--one-core-only", action="store_true", help="only the one-core comparison")
    ap.add_argument("--both-cores", action="store_true",
                    help="also kiln serve unpinned at thumbnail concurrency 1 and 2 (jobs/s and the ratio)")
    ap.add_argument("--both-cores-only", action="store_true", help="only the both-cores comparison")
    ap.add_argument("--one-core-interval", type=float, default=0.01,
                    help="status poll interval in the one-core mode, s (default 0.01)")
    args = ap.parse_args()
    if args.both_cores_only:
        args.one_core_only = False
        args.systems = "kiln"

    systems = [s for s in args.systems.split(",") if s]
    seed = Path(args.thumbify).resolve()
    if not args.one_core_only and any(s.startswith("thumbify") for s in systems):
        if not ((seed / "start.sh").is_file() and (seed / "worker/main.py").is_file()):
            sys.exit(f"Thumbify seed not found at {seed} (needs start.sh and worker/main.py): pass --thumbify DIR, "
                     "or --systems kiln. Thumbify is a benchmark peer only; Kiln does not need it.")
        if "time.sleep(1)" not in (seed / "worker/main.py").read_text() and "thumbify" in systems:
            print("note: this Thumbify worker does not sleep; measuring it once, as thumbify-nosleep")
            systems = [s for s in systems if s != "thumbify"]
            if "thumbify-nosleep" not in systems:
                systems.append("thumbify-nosleep")
    if not (os.access(args.kiln, os.X_OK)):
        sys.exit(f"no kiln binary at {args.kiln}: cargo build --release -p kiln, or pass --kiln PATH")

    gen_dir = None
    if args.images:
        paths = sorted(p for p in Path(args.images).iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
        if not paths:
            sys.exit(f"no .jpg files in {args.images}")
    else:
        gen_dir = Path(tempfile.mkdtemp(prefix="kiln-vs-thumbify-img."))
        paths = make_images(gen_dir, args.count)
    try:
        datas = [(p.name, p.read_bytes()) for p in paths]  # preloaded: disk reads are not timed
        kinds = [jpeg_kind(d) for _, d in datas]
        mps = [w * h / 1e6 for _, w, h in kinds]
        files = datas * args.repeat
        random.Random(0).shuffle(files)  # the same order for every system and round
        print(f"images: {len(paths)} JPEGs from {args.images or 'generated (ffmpeg; vips for progressive)'}, "
              f"{sum(1 for k in kinds if k[0] == 'baseline')} baseline, "
              f"{sum(1 for k in kinds if k[0] == 'progressive')} progressive, {min(mps):.1f}-{max(mps):.1f} MP, "
              f"{sum(len(d) for _, d in datas) / len(datas) / 1e6:.2f} MB mean"
              + ("" if args.one_core_only else f"; {len(files)} uploads per round"))
        print(f"kiln: {args.kiln} ({subprocess.run([args.kiln, '--version'], capture_output=True, text=True).stdout.strip()}); "
              + ("" if args.one_core_only else f"thumbify: {seed}, {args.workers} workers; {args.clients} clients, {args.loop} loop"
              + (f" ({args.pollers} pollers)" if args.loop == "open" else "") + "; ") + f"{args.rounds} rounds; "
              f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
        if not (args.one_core_only or args.both_cores_only):
            pipeline(args, systems, seed, files)
        if args.one_core or args.one_core_only:
            one_core(args, paths, datas)
        if args.both_cores or args.both_cores_only:
            both_cores(args, files)
    finally:
        if gen_dir:
            shutil.rmtree(gen_dir, ignore_errors=True)


def pipeline(args, systems, seed, files):
    makers = {
        "kiln": lambda: Kiln(args.kiln, FIELDS_OF_KILN),
        "thumbify": lambda: Thumbify(seed, args.workers, no_sleep=False),
        "thumbify-nosleep": lambda: Thumbify(seed, args.workers, no_sleep=True),
    }
    res = {s: [] for s in systems}
    busy0 = os.times()
    for r in range(args.rounds):
        order = systems[r % len(systems):] + systems[:r % len(systems)]
        for s in order:
            x = one_round(s, makers[s], files, args, f"r{r}")
            res[s].append(x)
            lat = x["latencies"]
            parts = ", ".join(f"{k} {1000 * v:.0f}" for k, v in sorted(x["cpu_parts"].items()))
            print(f"round {r + 1} {s:17} {x['jobs_per_s']:7.2f} jobs/s  p50 {quantile(lat, .5):6.3f} s  "
                  f"p99 {quantile(lat, .99):6.3f} s  {1000 * x['cpu_per_job']:7.1f} CPU ms/job ({parts})  "
                  f"peak RSS {x['rss_mib']:6.1f} MiB  {x['polls_per_job']:.1f} polls/upload" + (f"  NOT SUCCEEDED: {len(x['bad'])} {x['bad'][:3]}" if x["bad"] else ""),
                  flush=True)
    print(f"\nthe rounds pooled: jobs/s, CPU s/job and peak RSS are medians of the rounds; p50/p99 over all "
          f"uploads of all rounds; upload-to-done, polled every {1000 * args.interval:.0f} ms; {args.loop} loop")
    print(f"{'system':17} {'jobs/s':>8} {'p50 s':>7} {'p99 s':>7} {'CPU s/job':>10} {'peak RSS MiB':>13} {'not ok':>7}")
    summary = {}
    for s in systems:
        lat = [v for x in res[s] for v in x["latencies"]]
        m = summary[s] = {
            "jobs_per_s": statistics.median(x["jobs_per_s"] for x in res[s]),
            "p50": quantile(lat, .5), "p99": quantile(lat, .99),
            "cpu": statistics.median(x["cpu_per_job"] for x in res[s]),
            "rss": statistics.median(x["rss_mib"] for x in res[s]),
            "bad": sum(len(x["bad"]) for x in res[s]),
        }
        print(f"{s:17} {m['jobs_per_s']:8.2f} {m['p50']:7.3f} {m['p99']:7.3f} {m['cpu']:10.4f} {m['rss']:13.1f} {m['bad']:7}")
    if "kiln" in summary:
        k = summary["kiln"]
        for s in systems:
            if s == "kiln":
                continue
            t = summary[s]
            print(f"{'kiln/' + s:26} jobs/s {k['jobs_per_s'] / t['jobs_per_s']:7.2f}  p50 {k['p50'] / t['p50']:6.3f}  "
                  f"p99 {k['p99'] / t['p99']:6.3f}  CPU/job {k['cpu'] / t['cpu']:6.3f}  peak RSS {k['rss'] / t['rss']:6.3f}")
        print("(jobs/s above 1: Kiln faster; latency, CPU and RSS below 1: Kiln lower)")
    busy1 = os.times()
    print(f"this driver's own CPU: {busy1.user + busy1.system - busy0.user - busy0.system:.1f} s; "
          f"load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
