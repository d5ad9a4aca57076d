#!/usr/bin/python3
"""MP3 conversion benchmark: Kiln's media engine against ffmpeg + libmp3lame.

Run it as `bash benches/convert.sh` (builds kiln-mp3, then runs this). The
corpus is generated once with ffmpeg into benches/corpus/media/: 720p H.264/AAC
in MP4, VP9/Opus in WebM and the same H.264/AAC remuxed into Matroska, each
MINUTES long, with a soundtrack of tones over pink noise (LAME's work depends
on the signal; a bare sine would flatter both tools). Each tool converts each
file to VBR quality 4 in its own process pinned to core 0; rounds alternate
the tools and the median wall time counts. Realtime factor = media seconds /
wall seconds; peak RSS comes from wait4(2). See benches/README.md.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import cpu_busy, cpu_model, first_line, fresh_dir, quiet_line, run  # benches/benchlib.py

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "benches" / "corpus" / "media"
RESULTS = ROOT / "benches" / "results"
SOUND = ("-f lavfi -i sine=frequency=220:sample_rate=48000 -f lavfi -i sine=frequency=277:sample_rate=48000 "
         "-f lavfi -i anoisesrc=color=pink:amplitude=0.2:sample_rate=48000 "
         "-filter_complex [0:a][1:a][2:a]amix=inputs=3,aformat=channel_layouts=stereo[a]")
PICTURE = "-f lavfi -i testsrc2=size=1280x720:rate=30"
FILES = {  # name: ffmpeg arguments after the inputs
    "h264-aac-720p.mp4": "-map 3:v -map [a] -c:v libx264 -preset ultrafast -crf 28 -pix_fmt yuv420p -c:a aac -b:a 160k",
    "vp9-opus-720p.webm": "-map 3:v -map [a] -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 1M -c:a libopus -b:a 128k",
}
REMUX = ("h264-aac-720p.mp4", "h264-aac-720p.mkv")


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-nostdin", *args], check=True)


def make_corpus(minutes):
    """Generates missing corpus files (several minutes of encoding, once)."""
    CORPUS.mkdir(parents=True, exist_ok=True)
    secs = str(minutes * 60)
    for name, out_args in FILES.items():
        path = CORPUS / f"{minutes}min-{name}"
        if not path.exists():
            print(f"making {path.name} ...", file=sys.stderr, flush=True)
            ffmpeg(*SOUND.split(), *PICTURE.split(), "-t", secs, *out_args.split(), str(path) + ".part." + path.suffix[1:])
            os.replace(str(path) + ".part." + path.suffix[1:], path)
    src, dst = (CORPUS / f"{minutes}min-{n}" for n in REMUX)
    if not dst.exists():
        ffmpeg("-i", str(src), "-c", "copy", str(dst) + ".part.mkv")
        os.replace(str(dst) + ".part.mkv", dst)
    return sorted(p for p in CORPUS.glob(f"{minutes}min-*") if ".part." not in p.name)


def duration(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
                         check=True, capture_output=True, text=True).stdout
    return float(json.loads(out)["format"]["duration"])


def commands(kiln, quality):
    return {
        "ffmpeg": lambda src, out: ["ffmpeg", "-v", "error", "-y", "-nostdin", "-threads", "1", "-i", str(src),
                                    "-vn", "-codec:a", "libmp3lame", "-q:a", str(quality), str(out / f"{src.stem}.mp3")],
        "kiln": lambda src, out: [kiln, "--quality", str(quality), str(out), str(src)],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kiln", default=str(Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "kiln-mp3"))
    ap.add_argument("--minutes", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quality", type=int, default=4)
    args = ap.parse_args()
    files = make_corpus(args.minutes)
    media = {f: duration(f) for f in files}
    work = fresh_dir(Path("/tmp/kiln-convert-bench"))
    tools = commands(args.kiln, args.quality)
    times = {(t, f): [] for t in tools for f in files}
    rss = {(t, f): 0 for t in tools for f in files}
    own_cpu, busy0, wall0 = 0.0, cpu_busy(), time.perf_counter()
    for r in range(args.rounds):
        order = list(tools) if r % 2 == 0 else list(reversed(tools))
        for f in files:
            for tool in order:
                out = fresh_dir(work / tool)
                err = work / f"{tool}.stderr"
                secs, kib, code, cpu = run(tools[tool](f, out), True, err)
                own_cpu += cpu
                if code != 0:
                    sys.exit(f"{tool} failed on {f.name} (exit {code}): {err.read_text()[-2000:]}")
                times[(tool, f)].append(secs)
                rss[(tool, f)] = max(rss[(tool, f)], kib)
                if r == 0:  # the outputs must be the same length as the source's audio
                    mp3 = out / f"{f.stem}.mp3"
                    d = duration(mp3)
                    if abs(d - media[f]) > 0.05:
                        print(f"warning: {tool}'s {mp3.name} lasts {d:.3f} s, the source {media[f]:.3f} s", file=sys.stderr)
    background = (cpu_busy() - busy0 - own_cpu) / (time.perf_counter() - wall0)

    lines = [f"Kiln MP3 conversion benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}, {cpu_model()}, {os.cpu_count()} CPUs",
             f"ffmpeg: {first_line(['ffmpeg', '-version'])}",
             f"Kiln: {args.kiln} at {first_line(['git', '-C', str(ROOT), 'rev-parse', '--short', 'HEAD'])}",
             f"One core (taskset -c 0), VBR quality {args.quality}, median of {args.rounds} rounds; "
             "realtime = media seconds per wall second (process start included)", "",
             f"{'file':<28} {'media s':>8} {'ffmpeg ×rt':>11} {'kiln ×rt':>9} {'kiln/ffmpeg':>12} "
             f"{'ffmpeg MB':>10} {'kiln MB':>8} {'mem ratio':>10}"]
    ratios, mems = [], []
    for f in files:
        rt = {t: media[f] / statistics.median(times[(t, f)]) for t in tools}
        mb = {t: rss[(t, f)] / 1024 for t in tools}
        ratios.append(rt["kiln"] / rt["ffmpeg"])
        mems.append(mb["kiln"] / mb["ffmpeg"])
        lines.append(f"{f.name:<28} {media[f]:>8.1f} {rt['ffmpeg']:>11.1f} {rt['kiln']:>9.1f} {ratios[-1]:>11.2f}× "
                     f"{mb['ffmpeg']:>10.1f} {mb['kiln']:>8.1f} {mems[-1]:>9.2f}×")
    lines += ["", f"Kiln / ffmpeg realtime factor: {statistics.geometric_mean(ratios):.2f}× (geometric mean; above 1 is faster)",
              f"Kiln / ffmpeg peak RSS: {statistics.geometric_mean(mems):.2f}× (below 1 is smaller)",
              quiet_line(background)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "convert-latest.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
