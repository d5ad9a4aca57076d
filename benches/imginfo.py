#!/usr/bin/env python3
"""Reads an image's format, size and (for JPEG) coding from its header; stdlib only.

Used by fetch-corpus.sh to pick the corpus and by thumbnails.py to split it.
As a script: `imginfo.py FILE...` prints `kind width height path` per file, where
kind is baseline, progressive (JPEG, from the SOF marker), png, webp or other.
"""

import struct
import sys

# SOF markers: C0 baseline, C1 extended sequential (Huffman, decoded the same way
# as baseline), C2 progressive. Anything else (lossless, arithmetic) is "other".
SOF_KIND = {0xC0: "baseline", 0xC1: "baseline", 0xC2: "progressive"}
# Markers that carry no length field.
STANDALONE = {0x01, 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8}


def jpeg_info(data):
    """(kind, width, height) from the first SOF marker of a JPEG, or None."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in STANDALONE:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return SOF_KIND.get(marker, "other"), width, height
        if marker == 0xDA:  # start of scan before any SOF: damaged
            return None
        i += 2 + length
    return None


def webp_info(data):
    """(kind, width, height) of a WebP, or None."""
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", data[26:30])
        return "webp", w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and data[20] == 0x2F:
        b = int.from_bytes(data[21:25], "little")
        return "webp", (b & 0x3FFF) + 1, ((b >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return "webp", w, h
    return None


def info(path):
    """(kind, width, height) of the image at `path`; ("other", 0, 0) if unknown."""
    with open(path, "rb") as f:
        data = f.read()  # SOF can follow megabytes of XMP (one corpus file has 7 MB)
    found = None
    if data[:3] == b"\xff\xd8\xff":
        found = jpeg_info(data)
    elif data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        found = ("png", w, h)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        found = webp_info(data)
    return found or ("other", 0, 0)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        kind, w, h = info(p)
        print(kind, w, h, p)
