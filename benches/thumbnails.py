#!/usr/bin/python3
"""Thumbnail benchmark: Kiln's engine against vipsthumbnail, Pillow and ImageMagick.

Run it as `bash benches/thumbnails.sh` (fetches the corpus, builds, then runs this
with Debian's /usr/bin/python3, which has PIL). Each tool makes 256-px-bounded
JPEGs at quality 80 of a whole set of files in ONE process pinned to core 0;
rounds run the tools interleaved in a rotating order and the median wall time
counts. Peak RSS comes from wait4(2). Quality is SSIM against one common
reference (kiln-ssim). See benches/README.md.
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import imginfo  # benches/imginfo.py, stdlib only
from benchlib import cpu_busy, cpu_model, first_line, fresh_dir, quiet_line, run  # benches/benchlib.py

try:
    import PIL
except ImportError:
    sys.exit("PIL is missing: run this with /usr/bin/python3 (Debian's python3-pil)")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "benches" / "corpus"
RESULTS = ROOT / "benches" / "results"
PYTHON = "/usr/bin/python3"
BASE = "vipsthumbnail"  # the tool the ratios are to
SETS = ("all", "baseline", "progressive")
# Single-threaded everywhere: libvips, OpenMP (ImageMagick) and ImageMagick itself.
ENV = {"VIPS_CONCURRENCY": "1", "OMP_NUM_THREADS": "1", "MAGICK_THREAD_LIMIT": "1"}

PILLOW = """
import os, sys
from PIL import Image, ImageOps
out, size, quality = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for path in sys.argv[4:]:
    with Image.open(path) as im:
        im.draft("RGB", (size, size))
        im = ImageOps.exif_transpose(im)
        im.thumbnail((size, size))
        if im.mode not in ("RGB", "L"):
            im = im.convert("RGB")
        stem = os.path.splitext(os.path.basename(path))[0]
        im.save(os.path.join(out, stem + ".jpg"), quality=quality)
"""


def tool_commands(kiln, size, quality):
    """Tool name -> function(out_dir, files) -> argv. Each processes all files at once."""
    s, q = str(size), str(quality)
    return {
        BASE: lambda out, files: ["vipsthumbnail", "--size", s, "-o", f"{out}/%s.jpg[Q={q},strip]", *files],
        "pillow": lambda out, files: [PYTHON, "-c", PILLOW, str(out), s, q, *files],
        # jpeg:size lets libjpeg decode at a reduced scale (>= 2x the box), as vips and Pillow do.
        "imagemagick": lambda out, files: ["mogrify", "-path", str(out), "-define", f"jpeg:size={2 * size}x{2 * size}",
                                           "-auto-orient", "-thumbnail", f"{s}x{s}", "-quality", q, "-format", "jpg", *files],
        "kiln": lambda out, files: [str(kiln), "--size", s, "--quality", q, str(out), *files],
        "kiln-embedded-preview": lambda out, files: [str(kiln), "--size", s, "--quality", q, "--embedded-preview",
                                                     str(out), *files],
    }


def classify(files):
    """{stem: (kind, megapixels)} for the corpus JPEGs."""
    out = {}
    for f in files:
        kind, w, h = imginfo.info(f)
        out[f.stem] = (kind, w * h / 1e6)
    return out


def versions(kiln):
    """One line per tool version."""
    rev = first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = first_line(["git", "-C", str(ROOT), "status", "--porcelain", "--", "imaging", "proto"])
    return [f"vipsthumbnail: {first_line(['vipsthumbnail', '--vips-version'])}",
            f"ImageMagick: {first_line(['mogrify', '-version'])}",
            f"Pillow: {PIL.__version__} (Python {platform.python_version()})",
            f"Kiln: {kiln} at {rev}{' + uncommitted engine changes' if dirty else ''}"]


def bench(commands, sets, rounds, work, log):
    """Runs every tool over every set for `rounds` rounds, one untimed warm-up first.
    Returns ({(tool, set): [seconds]}, {tool: peak KiB}, {tool: stderr of its last full run},
    CPUs used by other processes during the timed rounds)."""
    names = list(commands)
    times, rss, stderr = {}, {}, {}
    own_cpu = 0.0
    for r in range(-1, rounds):
        if r == 0:
            busy0, wall0 = cpu_busy(), time.perf_counter()
        order = names[r % len(names):] + names[:r % len(names)] if r >= 0 else names
        log(f"round {r + 1}/{rounds}: {', '.join(order)}" if r >= 0 else "warm-up round")
        for set_name in (sets if r >= 0 else ["all"]):
            files = sets[set_name]
            for tool in order:
                out = fresh_dir(work / set_name / tool)
                err = work / f"{tool}-{set_name}.stderr"
                secs, kib, code, cpu = run(commands[tool](out, [str(f) for f in files]), True, err, ENV)
                made = len(list(out.glob("*.jpg")))
                if code != 0 or made != len(files):
                    tail = " | ".join(err.read_text(errors="replace").strip().splitlines()[-3:])
                    log(f"  WARNING {tool} on {set_name}: exit {code}, {made}/{len(files)} outputs: {tail}")
                if set_name == "all":
                    stderr[tool] = err.read_text(errors="replace").strip()
                if r >= 0:
                    times.setdefault((tool, set_name), []).append(secs)
                    rss[tool] = max(rss.get(tool, 0), kib)
                    own_cpu += cpu
    background = (cpu_busy() - busy0 - own_cpu) / (time.perf_counter() - wall0)
    return times, rss, stderr, background


def speed_table(times, rss, sets, rounds):
    """The speed and memory table, as lines."""
    def ips(tool, set_name):
        return len(sets[set_name]) / statistics.median(times[(tool, set_name)])
    lines = [(f"Single core (taskset -c 0, VIPS_CONCURRENCY=1), median of {rounds} rounds; "
              f"images/s (x {BASE}: >1 is faster); peak RSS (x {BASE}: <1 is smaller), max over runs"),
             f"{'tool':<22}" + "".join(f"{f'{s} ({len(sets[s])})':>20}" for s in SETS) + f"{'peak RSS MB':>20}{'spread':>8}"]
    for tool in dict.fromkeys(t for t, _ in times):
        cells = [f"{ips(tool, s):8.2f} ({ips(tool, s) / ips(BASE, s):5.2f}x)" for s in SETS]
        mem = f"{rss[tool] / 1024:8.1f} ({rss[tool] / rss[BASE]:5.2f}x)"
        t = times[(tool, "all")]
        spread = f"{(max(t) - min(t)) / statistics.median(t):.0%}"
        lines.append(f"{tool:<22}" + "".join(f"{c:>20}" for c in cells) + f"{mem:>20}{spread:>8}")
    lines.append("spread: (slowest - fastest) / median of the rounds on all files")
    return lines


def two_processes(argvs, work):
    """Runs two commands at once, not pinned; returns (wall time until both end, exit codes, CPU seconds)."""
    start = time.perf_counter()
    pids = [os.posix_spawnp(a[0], a, dict(os.environ, **ENV), file_actions=[
        (os.POSIX_SPAWN_OPEN, 2, str(work / f"pair-{i}.stderr"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)])
        for i, a in enumerate(argvs)]
    waited = [os.wait4(pid, 0) for pid in pids]
    cpu = sum(u.ru_utime + u.ru_stime for _, _, u in waited)
    return time.perf_counter() - start, [os.waitstatus_to_exitcode(st) for _, st, _ in waited], cpu


def scaling(kiln, size, quality, files, rounds, work, log):
    """kiln-thumbs --threads 1 vs 2 over all files, not pinned, and as a control two
    independent single-threaded processes at once (what the machine itself allows)."""
    def argv(n, out):
        return [str(kiln), "--size", str(size), "--quality", str(quality), "--threads", str(n),
                str(fresh_dir(work / "scaling" / out)), *map(str, files)]
    result, own_cpu, busy0, wall0 = {}, 0.0, cpu_busy(), time.perf_counter()
    for r in range(rounds):
        for n in ((1, 2, "pair") if r % 2 == 0 else ("pair", 2, 1)):
            log(f"scaling round {r + 1}/{rounds}: {n}")
            if n == "pair":
                secs, codes, cpu = two_processes([argv(1, "pair-a"), argv(1, "pair-b")], work)
                secs /= 2  # two full sets done in that time
            else:
                secs, _, code, cpu = run(argv(n, str(n)), False, work / f"scaling-{n}.stderr", ENV)
                codes = [code]
            own_cpu += cpu
            if any(codes):
                log(f"  WARNING kiln scaling {n}: exit {codes}")
            result.setdefault(n, []).append(secs)
    background = (cpu_busy() - busy0 - own_cpu) / (time.perf_counter() - wall0)
    ips = {n: len(files) / statistics.median(t) for n, t in result.items()}
    return [(f"Concurrency: kiln-thumbs over all {len(files)} files, not pinned ({os.cpu_count()} CPUs), "
             f"median of {rounds} rounds"),
            f"  --threads 1: {ips[1]:7.2f} images/s",
            f"  --threads 2: {ips[2]:7.2f} images/s   speed-up {ips[2] / ips[1]:.2f}x",
            (f"  control, two --threads 1 processes at once: {ips['pair']:7.2f} images/s   "
             f"speed-up {ips['pair'] / ips[1]:.2f}x (the machine's own ceiling)"),
            quiet_line(background)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--quality", type=int, default=80)
    ap.add_argument("--target-dir", type=Path,
                    default=Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")))
    args = ap.parse_args()
    kiln = (args.target_dir / "release" / "kiln-thumbs").resolve()
    ssim = kiln.with_name("kiln-ssim")
    files = sorted(CORPUS.glob("*.jpg"))
    if not files or not kiln.exists():
        sys.exit(f"need JPEGs in {CORPUS} and {kiln}: run `bash benches/thumbnails.sh`")
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = []

    def out(line=""):
        print(line, flush=True)
        report.append(line)

    def log(line):
        print(line, file=sys.stderr, flush=True)

    info = classify(files)
    classes = RESULTS / "classes.txt"
    classes.write_text("".join(f"{s} {k}\n" for s, (k, _) in sorted(info.items())))
    sets = {"all": files, **{k: [f for f in files if info[f.stem][0] == k] for k in SETS[1:]}}
    mps = [mp for _, mp in info.values()]
    commands = tool_commands(kiln, args.size, args.quality)
    out(f"Kiln thumbnail benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}, {cpu_model()}, {os.cpu_count()} CPUs")
    out(f"Corpus: {len(files)} JPEG photographs from Debian wallpaper packages ({len(sets['baseline'])} baseline, "
        f"{len(sets['progressive'])} progressive), {min(mps):.2f} to {max(mps):.2f} MP, median {statistics.median(mps):.2f} MP")
    out(f"Task: {args.size}x{args.size} bounding box, JPEG quality {args.quality}, one process per tool per set")
    for line in versions(kiln):
        out(f"  {line}")
    out("Commands (FILES... = the set's files, OUT = a fresh directory):")
    for tool, cmd in commands.items():
        argv = cmd("OUT", ["FILES..."])
        out(f"  {tool}: " + " ".join("<pillow script, see thumbnails.py>" if a == PILLOW else a for a in argv))
    out()

    with tempfile.TemporaryDirectory(prefix="kiln-bench-") as tmp:
        work = Path(tmp)
        for f in files:  # warm the page cache
            f.read_bytes()
        times, rss, stderr, background = bench(commands, sets, args.rounds, work, log)
        for line in speed_table(times, rss, sets, args.rounds):
            out(line)
        for tool in ("kiln", "kiln-embedded-preview"):
            notes = [l for l in stderr.get(tool, "").splitlines() if l.startswith("kiln-thumbs: ")]
            out(f"  {tool} (last full run): {notes[-1][len('kiln-thumbs: '):] if notes else '?'}")
        out(quiet_line(background))
        out()
        log("scoring SSIM")
        tool_dirs = [str(work / "all" / t) for t in commands]
        argv = [str(ssim), "--size", str(args.size), "--classes", str(classes),
                str(CORPUS / ".ssim-ref"), str(CORPUS), *tool_dirs]
        res = subprocess.run(argv, check=False, capture_output=True, text=True)
        for line in (res.stdout + res.stderr).rstrip().splitlines():
            out(line)
        out()
        for line in scaling(kiln, args.size, args.quality, files, args.rounds, work, log):
            out(line)
    target = RESULTS / "thumbnails-latest.txt"
    target.write_text("\n".join(report) + "\n")
    log(f"report written to {target}")


if __name__ == "__main__":
    main()
