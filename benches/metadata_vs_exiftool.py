#!/usr/bin/env python3
"""Kiln's metadata reader against exiftool, field by field, on a folder.

    python3 benches/metadata_vs_exiftool.py [--kiln-meta PATH] [FOLDER...]

With no folder, reads the development set `benches/fetch-metadata-corpus.sh`
fetches (exiftool's and Pillow's test images). Files are the images Kiln
accepts or reads metadata from (JPEG/MPO, TIFF and TIFF-based raw, PNG, WebP,
GIF, HEIF/AVIF) on which exiftool finds a camera make or a descriptive field.

Prints agreement per field and per file with every disagreement listed, the
files where exiftool reads a camera make and Kiln records no `exif`, and the
time per file: Kiln in-process (`kiln-meta`, probe included) against exiftool
in one batch process and one process per file. Values are compared after
normalisation: strings trimmed with runs of spaces folded; numbers within
0.5 % (exposure, aperture, focal length, altitude, direction) or 1e-5 degrees
(GPS); times as ISO 8601. Kiln runs with serial numbers on (the opt-in).
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

IMAGE_TYPES = {"JPEG", "MPO", "TIFF", "DNG", "PNG", "WEBP", "Extended WEBP", "GIF", "CR2", "NEF", "NRW",
               "ARW", "SR2", "ORF", "RW2", "PEF", "SRW", "ERF", "3FR", "IIQ", "MOS", "HEIC", "AVIF"}

# exiftool tag (with `#` for numbers) per field; composite tags are signed and joined.
EXIFTOOL_TAGS = ["File:FileType", "Make", "Model", "LensModel", "LensMake", "Software", "ISO#", "FNumber#",
                 "ExposureTime#", "FocalLength#", "FocalLengthIn35mmFormat#", "GPSLatitude#",
                 "GPSLongitude#", "GPSAltitude#", "GPSImgDirection#", "GPSDateTime",
                 "Orientation#", "DateTimeOriginal", "SubSecDateTimeOriginal", "ImageUniqueID", "SerialNumber",
                 "CameraSerialNumber",
                 "Artist", "Copyright", "Keywords", "Subject", "Title", "ObjectName", "Description",
                 "Caption-Abstract", "ImageDescription", "Rating#", "ProfileDescription"]


# Where exiftool finds a tag in several places, the standard location wins
# (a reader following the EXIF, XMP and IPTC standards reads it there); the
# MakerNote's copy counts only when the standard ones are missing.
PREFERRED = ["Composite", "IFD0", "ExifIFD", "GPS", "SubIFD", "IFD1"]


class Tags:
    """One file's exiftool output (-G1 -a): values by tag, best location first."""

    def __init__(self, entry):
        self.by_tag = {}
        for key, v in entry.items():
            group, _, tag = key.rpartition(":")
            self.by_tag.setdefault(tag, []).append((group, v))
        for tag, vs in self.by_tag.items():
            vs.sort(key=lambda gv: (PREFERRED.index(gv[0]) if gv[0] in PREFERRED else
                                    len(PREFERRED) + (0 if gv[0].startswith(("XMP", "IPTC")) else 1)))

    def get(self, tag):
        vs = self.by_tag.get(tag)
        return vs[0][1] if vs else None


def text(v):
    if v is None:
        return None
    s = re.sub(r"\s+", " ", str(v)).strip()
    return s or None


def number(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def last_number(v):
    """Nikon's ISO is two numbers ("0 200"); the setting is the last."""
    return number(str(v).split()[-1]) if v is not None and str(v).split() else None


def degrees(v, limit):
    """A coordinate, or None when out of range (exiftool prints what it finds)."""
    f = number(v)
    return f if f is not None and abs(f) <= limit else None


def iso(v, full=False):
    """exiftool's "YYYY:MM:DD HH:MM:SS[.ss][+hh:mm]" (or ISO) as ISO 8601."""
    s = text(v)
    if not s or not re.match(r"\d{4}[:-]\d\d[:-]\d\d[ T]\d\d:\d\d:\d\d", s):
        return None
    if s.startswith("0000"):
        return None
    base = s[:4] + "-" + s[5:7] + "-" + s[8:10] + "T" + s[11:19]
    return base + s[19:] if full else base


def placeholder(d):
    u = d.upper()
    return u.endswith("DIGITAL CAMERA") or u.startswith("DCF ")


def exif(d, *path):
    v = d.get("exif") or {}
    for p in path:
        v = v.get(p) if isinstance(v, dict) else None
    return v


def et_description(e):
    for k in ("Description", "Caption-Abstract"):
        if text(e.get(k)):
            return text(e.get(k))
    d = text(e.get("ImageDescription"))
    return None if d is None or placeholder(d) else d


def et_keywords(e):
    out = []
    for k in ("Subject", "Keywords"):
        v = e.get(k)
        for x in (v if isinstance(v, list) else [v] if v is not None else []):
            s = text(x)
            if s and s not in out:
                out.append(s)
    return sorted(out) or None


def rel(tol):
    return lambda a, b: abs(a - b) <= tol * max(abs(a), abs(b), 1e-12)


def absolute(tol):
    return lambda a, b: abs(a - b) <= tol


def same(a, b):
    return a == b


def prefix(a, b):
    # Kiln caps long strings; a cut value agrees if it is exiftool's start.
    return a == b or (len(a) >= 256 and b.startswith(a))


# name, core?, exiftool value, Kiln value, comparison
FIELDS = [
    ("make", True, lambda e: text(e.get("Make")), lambda d: text(exif(d, "make")), same),
    ("model", True, lambda e: text(e.get("Model")), lambda d: text(exif(d, "model")), same),
    ("lens_model", True, lambda e: text(e.get("LensModel")), lambda d: text(exif(d, "lens_model")), same),
    ("software", True, lambda e: text(e.get("Software")), lambda d: text(exif(d, "software")), same),
    ("iso", True, lambda e: last_number(e.get("ISO")), lambda d: number(exif(d, "iso")), absolute(0.5)),
    ("f_number", True, lambda e: number(e.get("FNumber")), lambda d: number(exif(d, "f_number")), rel(0.005)),
    ("exposure_time", True, lambda e: number(e.get("ExposureTime")), lambda d: number(exif(d, "exposure_time")),
     rel(0.005)),
    ("focal_length", True, lambda e: number(e.get("FocalLength")), lambda d: number(exif(d, "focal_length_mm")),
     rel(0.005)),
    ("gps_latitude", True, lambda e: degrees(e.get("GPSLatitude"), 90), lambda d: number(exif(d, "gps", "latitude")),
     absolute(1e-5)),
    ("gps_longitude", True, lambda e: degrees(e.get("GPSLongitude"), 180), lambda d: number(exif(d, "gps", "longitude")),
     absolute(1e-5)),
    ("orientation_not_1", True, lambda e: number(e.get("Orientation")) if number(e.get("Orientation")) != 1 else None,
     lambda d: number(exif(d, "orientation")) if number(exif(d, "orientation")) != 1 else None, same),
    ("datetime_original", True, lambda e: iso(e.get("DateTimeOriginal")),
     lambda d: iso(exif(d, "datetime_original")), same),
    # Beyond the first twelve: what people search by.
    ("lens_make", False, lambda e: text(e.get("LensMake")), lambda d: text(exif(d, "lens_make")), same),
    ("focal_length_35mm", False, lambda e: number(e.get("FocalLengthIn35mmFormat")) or None,
     lambda d: number(exif(d, "focal_length_35mm")), absolute(0.5)),
    ("gps_altitude", False, lambda e: number(e.get("GPSAltitude")), lambda d: number(exif(d, "gps", "altitude_m")),
     absolute(0.01)),
    ("gps_direction", False, lambda e: number(e.get("GPSImgDirection")),
     lambda d: number(exif(d, "gps", "direction_deg")), absolute(0.01)),
    ("gps_timestamp", False, lambda e: iso(e.get("GPSDateTime"), full=True),
     lambda d: text(exif(d, "gps", "timestamp")), same),
    ("datetime_subsec_offset", False, lambda e: iso(e.get("SubSecDateTimeOriginal") or e.get("DateTimeOriginal"), True),
     lambda d: text(exif(d, "datetime_original")), same),
    ("image_unique_id", False, lambda e: text(e.get("ImageUniqueID")), lambda d: text(exif(d, "image_unique_id")),
     same),
    ("serial_number", False, lambda e: text(e.get("SerialNumber") or e.get("CameraSerialNumber")), lambda d: text(exif(d, "serial_number")), same),
    ("artist", False, lambda e: text(e.get("Artist")), lambda d: text(exif(d, "artist")), prefix),
    ("copyright", False, lambda e: text(e.get("Copyright")), lambda d: text(exif(d, "copyright")), prefix),
    ("keywords", False, et_keywords, lambda d: sorted(text(k) for k in d.get("keywords", [])) or None, same),
    ("title", False, lambda e: text(e.get("Title")) or text(e.get("ObjectName")), lambda d: text(d.get("title")),
     prefix),
    ("description", False, et_description, lambda d: text(d.get("description")),
     lambda a, b: a == b or (len(a) >= 2000 and b.startswith(a))),
    ("rating", False, lambda e: number(e.get("Rating")), lambda d: number(d.get("rating")), absolute(0.5)),
    ("icc_profile", False, lambda e: text(e.get("ProfileDescription")), lambda d: text(d.get("icc_profile")), same),
]


def exiftool_json(files):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(str(p) for p in files))
        listing = f.name
    try:
        start = time.perf_counter()
        out = subprocess.run(["exiftool", "-j", "-G1", "-a", "-q", "-q", "-charset", "filename=utf8",
                              *("-" + t for t in EXIFTOOL_TAGS), "-@", listing],
                             capture_output=True, text=True, check=False).stdout
        secs = time.perf_counter() - start
    finally:
        os.unlink(listing)
    return {str(Path(e["SourceFile"])): Tags(e) for e in json.loads(out or "[]", parse_float=str)}, secs


def kiln_lines(binary, files):
    start = time.perf_counter()
    out = subprocess.run([binary, "--serial", "--repeat", "5", *map(str, files)], capture_output=True, text=True,
                         check=True).stdout
    wall = time.perf_counter() - start
    return {str(Path(j["file"])): j for j in map(json.loads, out.splitlines())}, wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--kiln-meta", default=str(ROOT / "target/release/kiln-meta"))
    ap.add_argument("--save", type=Path, help="also write the report to this file")
    args = ap.parse_args()
    folders = args.folders or [HERE / "corpus-meta"]
    if not args.folders and not (HERE / "corpus-meta/.complete").exists():
        subprocess.run(["bash", str(HERE / "fetch-metadata-corpus.sh")], check=True)
    files = sorted(p for d in folders for p in d.rglob("*") if p.is_file() and not p.name.startswith("."))
    report = []
    say = report.append

    et_all, _ = exiftool_json(files)
    chosen = []
    for f in files:
        e = et_all.get(str(f))
        if e and e.get("FileType") in IMAGE_TYPES and any(x[2](e) is not None for x in FIELDS):
            chosen.append(f)
    et, et_batch_secs = exiftool_json(chosen)
    kiln, kiln_wall = kiln_lines(args.kiln_meta, chosen)

    per_field = {name: [0, 0] for name, *_ in FIELDS}
    per_file = []
    empty = []
    for f in chosen:
        e, k = et[str(f)], kiln[str(f)]["doc"]
        agree, total, diffs = 0, 0, []
        for name, _core, ev, kv, cmp in FIELDS:
            a, b = kv(k), ev(e)
            if a is None and b is None:
                continue
            ok = a is not None and b is not None and cmp(a, b)
            per_field[name][0] += ok
            per_field[name][1] += 1
            agree += ok
            total += 1
            if not ok:
                diffs.append(f"{name}: kiln={a!r} exiftool={b!r}")
        if text(e.get("Make")) and not k.get("exif"):
            empty.append(f)
        per_file.append((f, e.get("FileType"), agree, total, diffs, k.get("warnings", [])))

    def ratio(names):
        a = sum(per_field[n][0] for n in names)
        t = sum(per_field[n][1] for n in names)
        return a, t, a / t if t else 1.0

    core = [n for n, c, *_ in FIELDS if c]
    extended = [n for n, c, *_ in FIELDS if not c]
    say(f"files: {len(chosen)} of {len(files)} (images with a camera make or a descriptive field, by exiftool "
        f"{subprocess.run(['exiftool', '-ver'], capture_output=True, text=True).stdout.strip()})")
    say(f"folders: {', '.join(str(d) for d in folders)}")
    say("")
    say(f"{'field':<24} {'agree':>5} / {'total':<5} ratio")
    for name, c, *_ in FIELDS:
        a, t = per_field[name]
        say(f"{name:<24} {a:>5} / {t:<5} {a / t if t else 1:.4f}{'' if c else '  (extended)'}")
    a, t, r = ratio(core)
    say(f"{'camera fields (12)':<24} {a:>5} / {t:<5} {r:.4f}")
    a, t, r = ratio(extended)
    say(f"{'extended fields':<24} {a:>5} / {t:<5} {r:.4f}")
    a, t, r = ratio(core + extended)
    say(f"{'all fields':<24} {a:>5} / {t:<5} {r:.4f}")
    say("")
    say(f"files where exiftool reads a camera make and Kiln records no exif: {len(empty)}")
    for f in empty:
        say(f"  {f.relative_to(f.parents[1])}")
    say("")
    say("per file (agree/total; disagreements and Kiln's warnings listed):")
    for f, ftype, a, t, diffs, warnings in per_file:
        say(f"  {str(f.relative_to(f.parents[1])):<44} {ftype:<14} {a:>3}/{t:<3}")
        for d in diffs:
            say(f"      - {d}")
        for w in warnings:
            say(f"      ~ warning: {w}")
    say("")
    kiln_us = [kiln[str(f)]["us"] for f in chosen]
    n = len(chosen)
    sample = chosen[: min(10, n)]
    start = time.perf_counter()
    for f in sample:
        subprocess.run(["exiftool", "-j", *("-" + t for t in EXIFTOOL_TAGS), str(f)], capture_output=True, check=False)
    per_process = (time.perf_counter() - start) / max(len(sample), 1)
    mean_us = sum(kiln_us) / n if n else 0
    say(f"time per file: Kiln {mean_us / 1000:.3f} ms in-process (median of 5 per file, probe included; "
        f"whole kiln-meta run {kiln_wall / n * 1000:.2f} ms/file with 5 repeats)")
    say(f"               exiftool {et_batch_secs / n * 1000:.2f} ms in one batch process "
        f"(ratio {et_batch_secs / n / (mean_us / 1e6):.1f}x), {per_process * 1000:.0f} ms as one process per file "
        f"(ratio {per_process / (mean_us / 1e6):.0f}x)")
    out = "\n".join(report)
    print(out)
    if args.save:
        args.save.write_text(out + "\n")


if __name__ == "__main__":
    sys.exit(main())
