#!/usr/bin/env python3
"""Regenerates the helpr app icons (RGBA PNGs) with the standard library only.

Run from this directory: `python3 generate.py`. Draws a blue rounded square with a white envelope.
"""
import struct
import zlib


def png(width, height, pixels):
    """Encodes rows of (r, g, b, a) tuples as an 8-bit RGBA PNG."""
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def coverage(size, fx, fy):
    """Returns (background alpha, envelope ink) for a point in unit coordinates."""
    radius = 0.2
    cx = min(max(fx, radius), 1 - radius)
    cy = min(max(fy, radius), 1 - radius)
    inside = (fx - cx) ** 2 + (fy - cy) ** 2 <= radius**2
    if not inside:
        return 0.0, False
    left, right, top, bottom = 0.2, 0.8, 0.3, 0.7
    stroke = max(0.045, 1.5 / size)
    in_box = left <= fx <= right and top <= fy <= bottom
    on_border = in_box and (fx - left < stroke or right - fx < stroke or fy - top < stroke or bottom - fy < stroke)
    # The flap: two lines from the top corners meeting at the centre.
    mid = 0.5
    flap_y = top + ((mid - left) - abs(fx - mid)) * ((0.52 - top) / (mid - left))
    on_flap = in_box and abs(fy - flap_y) < stroke * 0.8
    return 1.0, on_border or on_flap


def render(size):
    samples = 4  # supersampling per axis for smooth edges
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            alpha = ink = 0.0
            for sy in range(samples):
                for sx in range(samples):
                    fx = (x + (sx + 0.5) / samples) / size
                    fy = (y + (sy + 0.5) / samples) / size
                    a, on = coverage(size, fx, fy)
                    alpha += a
                    ink += 1.0 if on else 0.0
            n = samples * samples
            alpha, ink = alpha / n, ink / n
            t = y / max(size - 1, 1)
            base = (int(47 + 20 * t), int(91 - 20 * t), int(211 - 30 * t))
            mix = ink / alpha if alpha else 0.0
            rgb = tuple(int(c + (255 - c) * mix) for c in base)
            row.append((*rgb, int(round(alpha * 255))))
        rows.append(row)
    return png(size, size, rows)


if __name__ == "__main__":
    for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
        with open(name, "wb") as f:
            f.write(render(size))
        print(name, size)
