#!/usr/bin/env python3
"""What metrics and traces cost: `kiln serve` end to end in three modes.

  bare     KILN_METRICS=off, no KILN_OTLP_ENDPOINT: no recorder, no spans
  metrics  the default: Prometheus metrics recorded, no traces
  traces   metrics, and spans exported to KILN_OTLP_ENDPOINT

Each round starts a fresh `kiln serve` per mode (embedded store and
broker, new data directory), uploads N small JPEGs from C client threads,
each with one thumbnail job, and waits until the operator API
(`/v1/admin/jobs/counts`, the same request in every mode) counts N
succeeded thumbnail jobs. The order of the modes rotates between rounds.
With traces, the spans go to an OTLP/HTTP receiver in its own process (it
reads each request whole and answers 200, like a collector that drops
everything), so its CPU is not kiln's.

Reported per mode: jobs/s (N over the time from the first upload to the
last success; median of the rounds), kiln's CPU time per job (user+system
from /proc, whole process), the median upload latency, each as a ratio to
`bare`, and, with traces, the spans' bytes and the receiver's CPU.

    python3 benches/pipeline_telemetry.py --kiln target/release/kiln --jobs 400 --rounds 3

Needs ffmpeg (to make the input JPEG). Only the loopback is used.
"""
import argparse
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU of a process (and its reaped children) so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime, stime, cutime, cstime are fields 14-17 (1-based) of the line.
    return sum(int(x) for x in fields[11:15]) / TICKS


def receiver(port_file):
    """An OTLP/HTTP endpoint that accepts everything and counts bytes."""
    received = {"requests": 0, "bytes": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            received["requests"] += 1
            received["bytes"] += len(body)
            self.send_response(200)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", "0")
            self.end_headers()

        def do_GET(self):
            data = json.dumps(received).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


def start_receiver():
    port_file = tempfile.mktemp()
    proc = subprocess.Popen([sys.executable, __file__, "--receiver", port_file])
    deadline = time.time() + 10
    while not (os.path.exists(port_file) and open(port_file).read()):
        if time.time() > deadline:
            sys.exit("the receiver did not start")
        time.sleep(0.05)
    port = int(open(port_file).read())
    os.unlink(port_file)
    return proc, f"http://127.0.0.1:{port}"


def start_kiln(kiln, data_dir, env_extra):
    # No upload rate limit: all uploads come from one address.
    env = dict(os.environ, RUST_LOG="warn", KILN_GATEWAY__UPLOAD_RATE_LIMIT__PER_SECOND="0")
    env.pop("KILN_OTLP_ENDPOINT", None)
    env.pop("KILN_METRICS", None)
    env.update(env_extra)
    proc = subprocess.Popen(
        [kiln, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in proc.stderr:
        if line.startswith("kiln listening on "):
            base = line.split()[3]
            break
    else:
        sys.exit("kiln serve exited early")
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    return proc, base


def succeeded(base):
    # Accounts are off, so the one user is the operator.
    counts = json.loads(urllib.request.urlopen(f"{base}/v1/admin/jobs/counts").read())["counts"]
    return sum(c["count"] for c in counts if c["kind"] == "thumbnail" and c["status"] == "succeeded")


MODES = ("bare", "metrics", "traces")


def mode_env(mode, endpoint):
    return {
        "bare": {"KILN_METRICS": "off"},
        "metrics": {},
        "traces": {"KILN_OTLP_ENDPOINT": endpoint},
    }[mode]


def one_round(kiln, jpeg, jobs, clients, env):
    with tempfile.TemporaryDirectory() as data_dir:
        proc, base = start_kiln(kiln, data_dir, env)
        url = f"{base}/v1/uploads?thumbnails=64&formats=jpeg&metadata=false&dedupe=false"

        def upload(_):
            t = time.perf_counter()
            req = urllib.request.Request(url, data=jpeg, method="POST")
            with urllib.request.urlopen(req) as r:
                assert r.status == 202, r.status
                r.read()
            return time.perf_counter() - t

        try:
            # One untimed upload: first-use costs (SQLite pages, thread pools).
            upload(0)
            while succeeded(base) < 1:
                time.sleep(0.01)
            cpu0 = cpu_seconds(proc.pid)
            started = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                latencies = list(pool.map(upload, range(jobs)))
            while succeeded(base) < jobs + 1:
                if time.perf_counter() - started > 600:
                    sys.exit("jobs did not finish in 10 minutes")
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            cpu = cpu_seconds(proc.pid) - cpu0
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        return {
            "jobs_per_s": jobs / elapsed,
            "cpu_ms_per_job": 1000 * cpu / jobs,
            "upload_p50_ms": 1000 * statistics.median(latencies),
        }


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--receiver":
        receiver(sys.argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kiln", default="target/release/kiln")
    ap.add_argument("--jobs", type=int, default=400)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "in.jpg")
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=640x480",
             "-frames:v", "1", "-q:v", "4", path],
            check=True,
        )
        jpeg = open(path, "rb").read()

    recv, endpoint = start_receiver()
    results = {m: [] for m in MODES}
    recv_cpu = 0.0
    try:
        for r in range(args.rounds):
            order = MODES[r % 3:] + MODES[:r % 3]
            for mode in order:
                before = cpu_seconds(recv.pid)
                res = one_round(args.kiln, jpeg, args.jobs, args.clients, mode_env(mode, endpoint))
                if mode == "traces":
                    recv_cpu += cpu_seconds(recv.pid) - before
                results[mode].append(res)
                print(f"round {r + 1} {mode:7}: {res['jobs_per_s']:7.1f} jobs/s  "
                      f"{res['cpu_ms_per_job']:5.2f} CPU ms/job  upload p50 {res['upload_p50_ms']:6.1f} ms",
                      flush=True)
        got = json.loads(urllib.request.urlopen(endpoint).read())
    finally:
        recv.terminate()
        recv.wait()

    print(f"\n{args.jobs} uploads x {args.rounds} rounds per mode, {args.clients} clients, "
          f"{len(jpeg)} B JPEG 640x480, one 64 px JPEG thumbnail each; kiln {args.kiln}")
    print(f"{'mode':8} {'jobs/s':>8} {'CPU ms/job':>11} {'upload p50 ms':>14}   (medians of the rounds)")
    med = {}
    for mode in MODES:
        m = {k: statistics.median(x[k] for x in results[mode]) for k in results[mode][0]}
        med[mode] = m
        print(f"{mode:8} {m['jobs_per_s']:8.1f} {m['cpu_ms_per_job']:11.2f} {m['upload_p50_ms']:14.1f}")
    bare = med["bare"]
    for mode in ("metrics", "traces"):
        m = med[mode]
        print(f"{mode + '/bare':14} {m['jobs_per_s'] / bare['jobs_per_s']:8.3f} "
              f"{m['cpu_ms_per_job'] / bare['cpu_ms_per_job']:11.3f} "
              f"{m['upload_p50_ms'] / bare['upload_p50_ms']:14.3f}")
    total_jobs = (args.jobs + 1) * args.rounds
    print(f"receiver: {got['requests']} export requests, {got['bytes'] / total_jobs:.0f} B of spans per job, "
          f"{1000 * recv_cpu / total_jobs:.2f} CPU ms per job (not counted above)")


if __name__ == "__main__":
    main()
