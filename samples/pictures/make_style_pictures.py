#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Draws the two pictures of the style-transfer samples, procedurally and
from a fixed seed, so that they are our own and can be made again:

  style_content.png  a landscape: sky, sun, hills, a house and a tree
  style_brushes.png  short brush strokes in blues and yellows, swirling

Run: /usr/bin/python3 samples/pictures/make_style_pictures.py (numpy only;
the PNG is written with zlib)."""
import os
import struct
import zlib

import numpy as np

SIDE = 192
HERE = os.path.dirname(os.path.abspath(__file__))


def write_png(path, rgb):
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def content():
    y, x = np.mgrid[0:SIDE, 0:SIDE] / SIDE
    img = np.zeros((SIDE, SIDE, 3))
    sky = np.stack([0.45 + 0.4 * y, 0.65 + 0.25 * y, 0.95 - 0.1 * y], -1)
    img[:] = sky
    sun = (x - 0.75) ** 2 + (y - 0.22) ** 2 < 0.09 ** 2
    img[sun] = (1.0, 0.85, 0.3)
    far = y > 0.55 + 0.08 * np.sin(6 * x + 1)
    img[far] = (0.35, 0.55, 0.35)
    near = y > 0.7 + 0.06 * np.sin(9 * x)
    img[near] = (0.25, 0.6, 0.2)
    wall = (x > 0.2) & (x < 0.45) & (y > 0.55) & (y < 0.8)
    img[wall] = (0.85, 0.75, 0.6)
    roof = (y > 0.42) & (y <= 0.55) & (np.abs(x - 0.325) < (y - 0.42) * 1.3)
    img[roof] = (0.65, 0.2, 0.15)
    door = (x > 0.3) & (x < 0.36) & (y > 0.67) & (y < 0.8)
    img[door] = (0.4, 0.25, 0.15)
    trunk = (x > 0.66) & (x < 0.7) & (y > 0.6) & (y < 0.82)
    img[trunk] = (0.4, 0.28, 0.18)
    crown = (x - 0.68) ** 2 + (y - 0.55) ** 2 < 0.1 ** 2
    img[crown] = (0.15, 0.45, 0.15)
    return img


def brushes():
    rng = np.random.default_rng(7)
    palette = np.array([(0.1, 0.2, 0.55), (0.2, 0.4, 0.8), (0.95, 0.8, 0.2),
                        (0.98, 0.95, 0.7), (0.05, 0.1, 0.3), (0.4, 0.6, 0.9)])
    img = np.full((SIDE, SIDE, 3), 0.15)
    y, x = np.mgrid[0:SIDE, 0:SIDE].astype(float)
    for _ in range(900):
        cx, cy = rng.uniform(0, SIDE, 2)
        # strokes follow a swirl around two centres
        angle = np.arctan2(cy - 70, cx - 60) + np.pi / 2 + 0.3 * np.sin(cx / 25)
        length, width = rng.uniform(6, 16), rng.uniform(1.2, 2.6)
        dx, dy = np.cos(angle), np.sin(angle)
        along = (x - cx) * dx + (y - cy) * dy
        across = -(x - cx) * dy + (y - cy) * dx
        mask = (np.abs(along) < length) & (np.abs(across) < width)
        colour = palette[rng.integers(len(palette))] * rng.uniform(0.85, 1.1)
        img[mask] = colour
    return img


def main():
    for name, picture in (("style_content.png", content()), ("style_brushes.png", brushes())):
        rgb = (np.clip(picture, 0, 1) * 255 + 0.5).astype(np.uint8)
        write_png(os.path.join(HERE, "..", name), rgb)


if __name__ == "__main__":
    main()
