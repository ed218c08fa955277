#!/usr/bin/env python3
"""Draws the kiosk's icons (white shapes on transparent, tinted at draw time) as PNG.
Standard library only (zlib + struct). Re-run to regenerate: python3 assets/ui/make_icons.py"""
import math, os, struct, zlib

SIZE = 128
SS = 3  # supersampling per axis

def png(path, rgba, w, h):
    raw = b"".join(b"\x00" + bytes(rgba[y * w * 4:(y + 1) * w * 4]) for y in range(h))
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    open(path, "wb").write(data)

# Shapes: functions (x, y) in [0,1]^2 -> bool inside. An icon = list of (shape, add/sub).
def circle(cx, cy, r): return lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r
def ring(cx, cy, r, t): return lambda x, y: (r - t) ** 2 <= (x - cx) ** 2 + (y - cy) ** 2 <= r * r
def rect(x0, y0, x1, y1): return lambda x, y: x0 <= x <= x1 and y0 <= y <= y1
def frame(x0, y0, x1, y1, t): return lambda x, y: rect(x0, y0, x1, y1)(x, y) and not rect(x0 + t, y0 + t, x1 - t, y1 - t)(x, y)
def ellipse(cx, cy, rx, ry): return lambda x, y: ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
def capsule(x0, y0, x1, y1, r):
    def f(x, y):
        dx, dy = x1 - x0, y1 - y0
        t = max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy)))
        return (x - x0 - t * dx) ** 2 + (y - y0 - t * dy) ** 2 <= r * r
    return f
def triangle(ax, ay, bx, by, cx, cy):
    def s(px, py, qx, qy, x, y): return (x - qx) * (py - qy) - (px - qx) * (y - qy)
    def f(x, y):
        d1, d2, d3 = s(x, y, ax, ay, bx, by), s(x, y, bx, by, cx, cy), s(x, y, cx, cy, ax, ay)
        return not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0))
    return f

ICONS = {
    "qr": [(frame(.08, .08, .40, .40, .07), 1), (rect(.18, .18, .30, .30), 1),
           (frame(.60, .08, .92, .40, .07), 1), (rect(.70, .18, .82, .30), 1),
           (frame(.08, .60, .40, .92, .07), 1), (rect(.18, .70, .30, .82), 1),
           (rect(.55, .55, .68, .68), 1), (rect(.75, .60, .92, .72), 1), (rect(.60, .78, .72, .92), 1),
           (rect(.80, .80, .92, .92), 1), (rect(.47, .10, .53, .45), 1)],
    "door": [(frame(.22, .06, .78, .96, .07), 1), (rect(.30, .14, .62, .96), 1), (circle(.55, .55, .04), -1)],
    "face": [(ring(.5, .5, .44, .07), 1), (circle(.35, .40, .06), 1), (circle(.65, .40, .06), 1),
             (lambda x, y: ring(.5, .52, .25, .06)(x, y) and y > .58, 1)],
    "finger": [(ring(.5, .55, .40, .05), 1), (ring(.5, .55, .29, .05), 1), (ring(.5, .55, .18, .05), 1),
               (circle(.5, .55, .06), 1), (rect(0, .80, 1, 1), -1)],
    "check": [(circle(.5, .5, .46), 1), (capsule(.27, .52, .43, .68, .06), -1), (capsule(.43, .68, .74, .34, .06), -1)],
    "officer": [(circle(.5, .30, .17), 1), (ellipse(.5, .92, .36, .36), 1), (rect(.30, .08, .70, .16), 1),
                (rect(0, .97, 1, 1), -1)],
    "noentry": [(circle(.5, .5, .46), 1), (rect(.20, .42, .80, .58), -1)],
    "warning": [(triangle(.5, .06, .95, .90, .05, .90), 1), (capsule(.5, .32, .5, .62, .05), -1), (circle(.5, .76, .055), -1)],
    "hourglass": [(rect(.20, .06, .80, .14), 1), (rect(.20, .86, .80, .94), 1),
                  (triangle(.26, .14, .74, .14, .5, .50), 1), (triangle(.5, .50, .74, .86, .26, .86), 1),
                  (triangle(.36, .20, .64, .20, .5, .42), -1)],
    "speaker": [(rect(.10, .36, .30, .64), 1), (triangle(.24, .50, .55, .12, .55, .88), 1),
                (lambda x, y: ring(.55, .5, .26, .06)(x, y) and x > .66, 1),
                (lambda x, y: ring(.55, .5, .40, .06)(x, y) and x > .72, 1)],
    "exit": [(frame(.50, .06, .92, .94, .07), 1), (circle(.30, .18, .08), 1), (capsule(.28, .30, .22, .58, .05), 1),
             (capsule(.22, .58, .10, .86, .05), 1), (capsule(.22, .58, .36, .88, .05), 1),
             (capsule(.26, .36, .42, .46, .045), 1), (capsule(.26, .36, .10, .44, .045), 1)],
    # registration machine
    "card": [(frame(.06, .22, .94, .80, .06), 1), (circle(.30, .45, .10), 1), (ellipse(.30, .68, .15, .09), 1),
             (rect(.50, .38, .84, .44), 1), (rect(.50, .52, .84, .58), 1), (rect(.50, .66, .74, .72), 1),
             (rect(.06, .68, .94, .80), -1), (frame(.06, .22, .94, .80, .06), 1)],
    "terms": [(frame(.18, .06, .82, .94, .06), 1), (rect(.30, .22, .70, .28), 1), (rect(.30, .36, .70, .42), 1),
              (rect(.30, .50, .70, .56), 1), (rect(.30, .64, .56, .70), 1)],
    "receipt": [(lambda x, y: rect(.20, .06, .80, .90)(x, y) and not (y > .84 and (int(x * 20) % 2 == 0)), 1),
                (rect(.30, .20, .70, .26), -1), (rect(.30, .34, .70, .40), -1), (rect(.30, .48, .60, .54), -1),
                (rect(.30, .64, .70, .72), -1)],
}

def render(shapes):
    out = bytearray(SIZE * SIZE * 4)
    n = SS * SS
    for py in range(SIZE):
        for px in range(SIZE):
            cov = 0
            for sy in range(SS):
                for sx in range(SS):
                    x = (px + (sx + .5) / SS) / SIZE
                    y = (py + (sy + .5) / SS) / SIZE
                    inside = False
                    for f, op in shapes:
                        if f(x, y):
                            inside = op > 0
                    cov += inside
            i = (py * SIZE + px) * 4
            out[i:i + 4] = bytes((255, 255, 255, round(255 * cov / n)))
    return out

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for name, shapes in ICONS.items():
        png(os.path.join(here, name + ".png"), render(shapes), SIZE, SIZE)
        print(name)
