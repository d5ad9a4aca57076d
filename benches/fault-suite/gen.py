"""Inputs for the fault suite: real images made with ffmpeg, each made unique
by a comment, and malformed files (truncations, bit flips, header lies) of
every format Kiln reads. Standard library and the ffmpeg binary only."""

from __future__ import annotations

import os
import random
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path


def ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args],
        check=True,
    )


# --------------------------------------------------------------------------
# Valid images for the load phase
# --------------------------------------------------------------------------

IMAGE_SIZES = [
    (16, 16), (40, 30), (64, 48), (120, 90), (200, 150), (320, 240),
    (480, 360), (640, 480), (800, 600), (1024, 768), (300, 1000),
    (1000, 300), (1280, 720), (1600, 1200),
]
PNG_PIX_FMTS = ["rgb24", "rgba", "gray", "pal8"]


def make_image_pool(dir: Path, per_size: int = 3) -> list[Path]:
    """JPEGs and PNGs of every size in IMAGE_SIZES, `per_size` frames each
    (test pattern plus temporal noise, so every frame differs)."""
    dir.mkdir(parents=True, exist_ok=True)
    done = dir / ".done"
    if done.exists():
        return sorted(p for p in dir.iterdir() if p.suffix in (".jpg", ".png"))
    for i, (w, h) in enumerate(IMAGE_SIZES):
        src = f"testsrc2=size={w}x{h}:rate=5"
        vf = "noise=alls=30:allf=t+u"
        ffmpeg("-f", "lavfi", "-i", src, "-vf", vf, "-frames:v", str(per_size),
               "-q:v", str(2 + i % 8), str(dir / f"img{w}x{h}_%02d.jpg"))
        pix = PNG_PIX_FMTS[i % len(PNG_PIX_FMTS)]
        # PNGs without noise: noise would make them megabytes each.
        ffmpeg("-f", "lavfi", "-i", src, "-vf", f"format={pix}",
               "-frames:v", str(per_size), str(dir / f"img{w}x{h}_%02d.png"))
    done.touch()
    return sorted(p for p in dir.iterdir() if p.suffix in (".jpg", ".png"))


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_unique(data: bytes, tag: str) -> bytes:
    """The same picture with `tag` in a comment: a JPEG COM segment after
    SOI, a PNG tEXt chunk after IHDR. Still a valid file."""
    t = tag.encode()
    if data[:2] == b"\xff\xd8":
        return data[:2] + b"\xff\xfe" + struct.pack(">H", len(t) + 2) + t + data[2:]
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        end_ihdr = 8 + 8 + 13 + 4
        return data[:end_ihdr] + png_chunk(b"tEXt", b"Comment\x00" + t) + data[end_ihdr:]
    return data


# --------------------------------------------------------------------------
# Malformed files
# --------------------------------------------------------------------------

@dataclass
class Base:
    name: str          # e.g. "png-rgba"
    path: Path
    fmt: str           # jpeg png gif webp wav mp3 mp4 m4a mkv webm ogg flac
    media: str         # "image" or "av"


def make_malformed_bases(dir: Path) -> list[Base]:
    """One valid file of each format and flavour, to be damaged."""
    dir.mkdir(parents=True, exist_ok=True)
    v = lambda w, h, rate=10: f"testsrc2=size={w}x{h}:rate={rate}"
    a = lambda d=2: f"sine=frequency=440:duration={d}:sample_rate=44100"
    specs: list[tuple[str, str, str, list[str]]] = [
        ("jpeg-small", "jpeg", "image", ["-f", "lavfi", "-i", v(64, 48), "-frames:v", "1"]),
        ("jpeg-mid", "jpeg", "image", ["-f", "lavfi", "-i", v(320, 240), "-frames:v", "1"]),
        ("jpeg-large", "jpeg", "image", ["-f", "lavfi", "-i", v(1024, 768), "-frames:v", "1", "-q:v", "2"]),
        ("jpeg-gray", "jpeg", "image", ["-f", "lavfi", "-i", v(200, 300), "-vf", "format=gray", "-frames:v", "1"]),
        ("png-rgb", "png", "image", ["-f", "lavfi", "-i", v(320, 240), "-frames:v", "1"]),
        ("png-rgba", "png", "image", ["-f", "lavfi", "-i", v(200, 150), "-vf", "format=rgba", "-frames:v", "1"]),
        ("png-pal8", "png", "image", ["-f", "lavfi", "-i", v(160, 120), "-vf", "format=pal8", "-frames:v", "1"]),
        ("png-gray16", "png", "image", ["-f", "lavfi", "-i", v(128, 128), "-vf", "format=gray16be", "-frames:v", "1"]),
        ("gif-anim", "gif", "image", ["-f", "lavfi", "-i", v(160, 120, 5), "-frames:v", "5"]),
        ("gif-still", "gif", "image", ["-f", "lavfi", "-i", v(240, 180), "-frames:v", "1"]),
        ("webp-lossy", "webp", "image", ["-f", "lavfi", "-i", v(320, 240), "-frames:v", "1", "-c:v", "libwebp"]),
        ("webp-lossless", "webp", "image", ["-f", "lavfi", "-i", v(200, 150), "-frames:v", "1", "-c:v", "libwebp", "-lossless", "1"]),
        ("webp-alpha", "webp", "image", ["-f", "lavfi", "-i", v(160, 120), "-vf", "format=yuva420p", "-frames:v", "1", "-c:v", "libwebp"]),
        ("webp-anim", "webp", "image", ["-f", "lavfi", "-i", v(160, 120, 5), "-frames:v", "4", "-c:v", "libwebp_anim", "-loop", "0"]),
        ("wav", "wav", "av", ["-f", "lavfi", "-i", a(), "-c:a", "pcm_s16le"]),
        ("mp3", "mp3", "av", ["-f", "lavfi", "-i", a(), "-c:a", "libmp3lame", "-b:a", "128k"]),
        ("flac", "flac", "av", ["-f", "lavfi", "-i", a(), "-c:a", "flac"]),
        ("ogg", "ogg", "av", ["-f", "lavfi", "-i", a(), "-c:a", "libvorbis"]),
        ("m4a", "m4a", "av", ["-f", "lavfi", "-i", a(), "-c:a", "aac"]),
        ("mp4", "mp4", "av", ["-f", "lavfi", "-i", v(160, 120), "-f", "lavfi", "-i", a(),
                              "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]),
        ("mkv", "mkv", "av", ["-f", "lavfi", "-i", v(160, 120), "-f", "lavfi", "-i", a(),
                              "-t", "2", "-c:v", "mpeg4", "-c:a", "libvorbis"]),
        ("webm", "webm", "av", ["-f", "lavfi", "-i", v(160, 120), "-f", "lavfi", "-i", a(),
                                "-t", "2", "-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"]),
    ]
    ext = {"jpeg": "jpg"}
    out = []
    for name, fmt, media, args in specs:
        p = dir / f"{name}.{ext.get(fmt, fmt)}"
        if not p.exists() or p.stat().st_size == 0:
            ffmpeg(*args, str(p))
        out.append(Base(name, p, fmt, media))
    return out


LIE_DIMS = [0, 1, 65535, 100000, 0x7FFFFFFF, 0xFFFFFFFF, 30001, 50000]


def _u32(b: bytearray, off: int, v: int) -> None:
    b[off:off + 4] = struct.pack(">I", v & 0xFFFFFFFF)


def _le32(b: bytearray, off: int, v: int) -> None:
    b[off:off + 4] = struct.pack("<I", v & 0xFFFFFFFF)


def _png_chunks(b: bytes):
    off = 8
    while off + 8 <= len(b):
        n = struct.unpack(">I", b[off:off + 4])[0]
        yield off, b[off + 4:off + 8], n
        off += 12 + n


def lie_png(b: bytearray, rng: random.Random) -> str:
    choice = rng.choice(["dims", "dims-stale-crc", "depth", "colour", "idat-len", "actl"])
    if choice.startswith("dims"):
        w, h = rng.choice(LIE_DIMS), rng.choice(LIE_DIMS)
        _u32(b, 16, w)
        _u32(b, 20, h)
        if choice == "dims":
            _u32(b, 29, zlib.crc32(bytes(b[12:29])))
        return f"png IHDR {w}x{h}" + (" (stale CRC)" if choice != "dims" else "")
    if choice in ("depth", "colour"):
        at = 24 if choice == "depth" else 25
        b[at] = rng.choice([0, 3, 7, 255] if choice == "depth" else [1, 5, 7, 255])
        _u32(b, 29, zlib.crc32(bytes(b[12:29])))
        return f"png IHDR {choice} {b[at]}"
    if choice == "idat-len":
        for off, kind, _ in _png_chunks(bytes(b)):
            if kind == b"IDAT":
                _u32(b, off, 0x7FFFFFF0)
                return "png IDAT length 0x7ffffff0"
    # A lying APNG animation control: 2^31 frames.
    data = struct.pack(">II", 0x7FFFFFFF, 0)
    chunk = png_chunk(b"acTL", data)
    b[33:33] = chunk
    return "png acTL 2^31 frames"


def _jpeg_segments(b: bytes):
    off = 2
    while off + 4 <= len(b) and b[off] == 0xFF:
        m = b[off + 1]
        if m == 0xDA:
            yield off, m
            return
        n = struct.unpack(">H", b[off + 2:off + 4])[0]
        yield off, m
        off += 2 + n


def lie_jpeg(b: bytearray, rng: random.Random) -> str:
    segs = list(_jpeg_segments(bytes(b)))
    sof = [o for o, m in segs if m in (0xC0, 0xC1, 0xC2)]
    choice = rng.choice(["dims", "dims", "components", "seglen", "dht", "sos"])
    if choice == "dims" and sof:
        o = sof[0]
        h, w = rng.choice([0, 1, 65535, 30001, 40000]), rng.choice([0, 1, 65535, 30001, 40000])
        b[o + 5:o + 9] = struct.pack(">HH", h, w)
        return f"jpeg SOF {w}x{h}"
    if choice == "components" and sof:
        o = sof[0]
        b[o + 9] = rng.choice([0, 2, 4, 255])
        return f"jpeg SOF components {b[o + 9]}"
    if choice == "dht":
        for o, m in segs:
            if m == 0xC4:
                for k in range(16):
                    b[o + 5 + k] = 0xFF
                return "jpeg DHT counts 255"
    if choice == "sos":
        for o, m in segs:
            if m == 0xDA:
                b[o + 4] = rng.choice([0, 4, 255])
                return f"jpeg SOS components {b[o + 4]}"
    # Any segment claiming more (or less) than is there.
    o, m = rng.choice(segs)
    v = rng.choice([0, 1, 2, 0xFFFF])
    b[o + 2:o + 4] = struct.pack(">H", v)
    return f"jpeg segment {m:02X} length {v}"


def lie_gif(b: bytearray, rng: random.Random) -> str:
    choice = rng.choice(["screen", "frame", "lzw", "palette"])
    if choice == "screen":
        w, h = rng.choice([0, 65535, 40000]), rng.choice([0, 65535, 40000])
        b[6:10] = struct.pack("<HH", w, h)
        return f"gif screen {w}x{h}"
    i = bytes(b).find(b"\x2c", 13)
    if i < 0:
        b[6:10] = b"\xff\xff\xff\xff"
        return "gif screen 65535x65535"
    if choice == "frame":
        b[i + 5:i + 9] = struct.pack("<HH", 65535, 65535)
        return "gif frame 65535x65535"
    if choice == "lzw":
        flags = b[i + 9]
        at = i + 10 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
        if at < len(b):
            b[at] = rng.choice([0, 12, 13, 255])
            return f"gif LZW min code size {b[at]}"
    b[10] = b[10] ^ 0x80  # global colour table flag flipped: palette lies
    return "gif global palette flag flipped"


def lie_webp(b: bytearray, rng: random.Random) -> str:
    choice = rng.choice(["riff", "dims", "dims", "chunk"])
    if choice == "riff":
        v = rng.choice([0, 4, 0xFFFFFFFF, len(b) * 10])
        _le32(b, 4, v)
        return f"webp RIFF size {v}"
    kind = bytes(b[12:16])
    if choice == "dims":
        if kind == b"VP8X":
            b[24:30] = b"\xff\xff\xff\xff\xff\xff"
            return "webp VP8X canvas 16777216x16777216"
        if kind == b"VP8 ":
            # frame tag (3) + start code (3) at 20, then 14-bit width, height
            b[26:30] = struct.pack("<HH", 0x3FFF, 0x3FFF)
            return "webp VP8 16383x16383"
        if kind == b"VP8L":
            b[21:25] = b"\xff\xff\xff\x0f"
            return "webp VP8L 16384x16384"
    _le32(b, 16, rng.choice([0, 0x7FFFFFFF, 0xFFFFFFFF]))
    return f"webp {kind.decode(errors='replace').strip()} chunk size lie"


def _riff_find(b: bytes, kind: bytes) -> int:
    off = 12
    while off + 8 <= len(b):
        if b[off:off + 4] == kind:
            return off
        off += 8 + struct.unpack("<I", b[off + 4:off + 8])[0] + (struct.unpack("<I", b[off + 4:off + 8])[0] & 1)
    return -1


def lie_wav(b: bytearray, rng: random.Random) -> str:
    fmt = _riff_find(bytes(b), b"fmt ")
    data = _riff_find(bytes(b), b"data")
    choice = rng.choice(["riff", "data", "channels", "rate", "bits", "align"])
    if choice == "riff":
        _le32(b, 4, 0xFFFFFFFF)
        return "wav RIFF size 0xffffffff"
    if choice == "data" and data > 0:
        _le32(b, data + 4, rng.choice([0xFFFFFFFF, 0x7FFFFFFF]))
        return "wav data size huge"
    if fmt < 0:
        return lie_generic(b, rng)
    if choice == "channels":
        v = rng.choice([0, 9, 255, 65535])
        b[fmt + 10:fmt + 12] = struct.pack("<H", v)
        return f"wav channels {v}"
    if choice == "rate":
        v = rng.choice([0, 1, 4000000, 0xFFFFFFFF])
        _le32(b, fmt + 12, v)
        return f"wav sample rate {v}"
    if choice == "bits":
        v = rng.choice([0, 7, 64, 65535])
        b[fmt + 22:fmt + 24] = struct.pack("<H", v)
        return f"wav bits per sample {v}"
    b[fmt + 20:fmt + 22] = b"\x00\x00"
    return "wav block align 0"


def lie_mp3(b: bytearray, rng: random.Random) -> str:
    choice = rng.choice(["id3", "header", "xing"])
    if choice == "id3" and b[:3] == b"ID3":
        b[6:10] = b"\x7f\x7f\x7f\x7f"
        return "mp3 ID3 size 256 MiB"
    start = 0
    if b[:3] == b"ID3":
        start = 10 + ((b[6] << 21) | (b[7] << 14) | (b[8] << 7) | b[9])
    i = bytes(b).find(b"\xff", start)
    while 0 <= i < len(b) - 1 and (b[i + 1] & 0xE0) != 0xE0:
        i = bytes(b).find(b"\xff", i + 1)
    if i < 0:
        return lie_generic(b, rng)
    if choice == "xing":
        for tag in (b"Xing", b"Info"):
            j = bytes(b).find(tag, i)
            if 0 <= j < i + 200:
                _u32(b, j + 8, 0xFFFFFFFF)
                return "mp3 Xing frame count 2^32-1"
    b[i + 2] = (b[i + 2] & 0x03) | rng.choice([0xF0, 0x0C, 0xFC])
    return "mp3 frame header bad bitrate/sample rate"


def _boxes(b: bytes, start: int, end: int):
    off = start
    while off + 8 <= end:
        n = struct.unpack(">I", b[off:off + 4])[0]
        kind = b[off + 4:off + 8]
        yield off, kind, n
        if n < 8:
            return
        off += n


def lie_mp4(b: bytearray, rng: random.Random) -> str:
    data = bytes(b)
    choice = rng.choice(["box", "mdat", "stsz", "stco", "timescale", "duration", "tkhd"])
    if choice == "box":
        boxes = list(_boxes(data, 0, len(data)))
        o, kind, _ = rng.choice(boxes)
        v = rng.choice([0xFFFFFFFF, 9, 0x7FFFFFFF])
        _u32(b, o, v)
        return f"mp4 {kind.decode(errors='replace')} box size {v}"
    if choice == "mdat":
        for o, kind, _ in _boxes(data, 0, len(data)):
            if kind == b"mdat":
                _u32(b, o, 1)  # 64-bit size follows... and lies
                b[o + 8:o + 16] = struct.pack(">Q", 1 << 62)
                return "mp4 mdat largesize 2^62"
    tag = {"stsz": b"stsz", "stco": b"stco", "timescale": b"mdhd", "duration": b"mvhd", "tkhd": b"tkhd"}.get(choice, b"stsz")
    j = data.find(tag)
    if j < 0:
        return lie_generic(b, rng)
    if choice == "stsz":
        _u32(b, j + 12, 0x7FFFFFFF)  # sample_count (after version/flags, sample_size)
        return "mp4 stsz sample count 2^31"
    if choice == "stco":
        _u32(b, j + 8, 0x7FFFFFFF)
        return "mp4 stco entry count 2^31"
    if choice == "timescale":
        _u32(b, j + 16, rng.choice([0, 1]))  # mdhd v0: flags, ctime, mtime, timescale
        return f"mp4 mdhd timescale {struct.unpack('>I', b[j + 16:j + 20])[0]}"
    if choice == "duration":
        _u32(b, j + 20, 0xFFFFFFFF)
        return "mp4 mvhd duration 2^32-1"
    _u32(b, j + 80, 0xFFFF0000)
    _u32(b, j + 84, 0xFFFF0000)
    return "mp4 tkhd 65535x65535"


def lie_mkv(b: bytearray, rng: random.Random) -> str:
    data = bytes(b)
    choice = rng.choice(["segment", "cluster", "rate", "channels", "duration", "ebml"])
    ids = {
        "segment": b"\x18\x53\x80\x67", "cluster": b"\x1f\x43\xb6\x75",
        "rate": b"\xb5", "channels": b"\x9f", "duration": b"\x44\x89", "ebml": b"\x42\xf2",
    }
    tid = ids[choice]
    j = data.find(tid, 4 if choice == "ebml" else 0)
    if j < 0:
        return lie_generic(b, rng)
    s = j + len(tid)
    if choice in ("segment", "cluster"):
        first = b[s]
        width = 1
        while width <= 8 and not first & (0x80 >> (width - 1)):
            width += 1
        if width > 8:
            return lie_generic(b, rng)
        v = rng.choice([1, (1 << (7 * width)) - 2])
        val = v | (1 << (7 * width))
        b[s:s + width] = val.to_bytes(width, "big")
        return f"mkv {choice} size {v}"
    size = b[s] & 0x7F if b[s] & 0x80 else 0
    if size == 0:
        return lie_generic(b, rng)
    p = s + 1
    if choice == "rate" and size in (4, 8):
        b[p:p + size] = struct.pack(">f" if size == 4 else ">d", rng.choice([0.0, 1e12, float("nan")]))
        return "mkv sampling frequency lie"
    if choice == "duration" and size in (4, 8):
        b[p:p + size] = struct.pack(">f" if size == 4 else ">d", 1e30)
        return "mkv duration 1e30"
    b[p:p + size] = b"\xff" * size
    return f"mkv {choice} all ones"


def lie_flac(b: bytearray, rng: random.Random) -> str:
    # fLaC, block header (4), STREAMINFO: min/max block (4), min/max frame (6),
    # then 20-bit rate, 3-bit channels, 5-bit bps, 36-bit total samples.
    choice = rng.choice(["rate", "total", "block", "meta-len"])
    si = 8
    if choice == "rate":
        b[si + 10] = 0
        b[si + 11] = 0
        b[si + 12] &= 0x0F
        return "flac sample rate 0"
    if choice == "total":
        b[si + 13] |= 0x0F
        b[si + 14:si + 18] = b"\xff\xff\xff\xff"
        return "flac total samples 2^36-1"
    if choice == "block":
        b[si:si + 4] = b"\x00\x00\xff\xff"
        return "flac min block 0"
    b[5:8] = b"\xff\xff\xff"
    return "flac metadata block length 16 MiB"


def lie_ogg(b: bytearray, rng: random.Random) -> str:
    choice = rng.choice(["granule", "segments", "channels", "rate"])
    if choice == "granule":
        pages = [i for i in range(len(b)) if b[i:i + 4] == b"OggS"]
        o = rng.choice(pages)
        b[o + 6:o + 14] = b"\xff\xff\xff\xff\xff\xff\xff\x7f"
        return "ogg granule position 2^63"
    if choice == "segments":
        b[26] = 255
        return "ogg page segment count 255"
    j = bytes(b).find(b"\x01vorbis")
    if j < 0:
        return lie_generic(b, rng)
    if choice == "channels":
        b[j + 11] = rng.choice([0, 255])
        return f"ogg vorbis channels {b[j + 11]}"
    _le32(b, j + 12, rng.choice([0, 0xFFFFFFFF]))
    return "ogg vorbis sample rate lie"


def lie_generic(b: bytearray, rng: random.Random) -> str:
    o = rng.randrange(0, min(len(b) - 4, 64))
    b[o:o + 4] = b"\xff\xff\xff\xff"
    return f"0xffffffff at {o}"


LIARS = {
    "png": lie_png, "jpeg": lie_jpeg, "gif": lie_gif, "webp": lie_webp,
    "wav": lie_wav, "mp3": lie_mp3, "mp4": lie_mp4, "m4a": lie_mp4,
    "mkv": lie_mkv, "webm": lie_mkv, "flac": lie_flac, "ogg": lie_ogg,
}


def damage(base: Base, data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One malformed variant of `data`, and what was done to it."""
    kind = rng.choices(["truncate", "bitflip", "header-lie", "truncate+lie"], [35, 30, 30, 5])[0]
    b = bytearray(data)
    if kind == "truncate":
        if rng.random() < 0.2:
            n = rng.randrange(0, min(64, len(b)))
        else:
            n = int(len(b) * rng.uniform(0.05, 0.98))
        return bytes(b[:n]), f"truncated to {n}/{len(data)} bytes"
    if kind == "bitflip":
        # Half the time in the first 1 KiB (headers), else anywhere.
        span = min(len(b), 1024) if rng.random() < 0.5 else len(b)
        k = rng.choice([1, 2, 4, 8, 32, 128])
        for _ in range(k):
            i = rng.randrange(span)
            b[i] ^= 1 << rng.randrange(8)
        return bytes(b), f"{k} bit flips in the first {span} bytes"
    try:
        what = LIARS.get(base.fmt, lie_generic)(b, rng)
    except (IndexError, struct.error, ValueError):
        what = lie_generic(b, rng)
    if kind == "truncate+lie":
        n = int(len(b) * rng.uniform(0.3, 0.9))
        return bytes(b[:n]), f"{what}, truncated to {n}"
    return bytes(b), what


def make_malformed(bases: list[Base], n: int, rng: random.Random):
    """`n` malformed files spread over `bases`: (name, bytes, base, description)."""
    cache = {b.name: b.path.read_bytes() for b in bases}
    out = []
    for i in range(n):
        base = bases[i % len(bases)]
        data, what = damage(base, cache[base.name], rng)
        name = f"bad{i:04d}-{base.name}{base.path.suffix}"
        out.append((name, data, base, what))
    return out


if __name__ == "__main__":  # a quick look at what is made
    import sys
    d = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/kiln-fault-gen")
    bases = make_malformed_bases(d / "bases")
    rng = random.Random(1)
    for name, data, base, what in make_malformed(bases, 60, rng):
        print(f"{name:32} {len(data):8} {what}")
    print(len(make_image_pool(d / "pool")), "pool images")
    os.sys.exit(0)
