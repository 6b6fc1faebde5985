"""Qt-free pictures of the course views for the command line (Pillow and numpy only).

:func:`race_png` draws a race as the window does: the surface's contour bands with each
optimizer's path on the left, each one's loss vs step (log scale) on the right.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

#: one colour per optimizer (the window uses the same ones)
COLOURS = {
    "sgd": (228, 26, 28),
    "momentum": (55, 126, 184),
    "nesterov": (77, 175, 74),
    "adagrad": (152, 78, 163),
    "rmsprop": (255, 127, 0),
    "adam": (20, 20, 20),
}
_STOPS = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]])


def colour_map(t: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (any shape) -> RGB uint8 (shape + (3,)), a viridis-like ramp."""
    t = np.clip(t, 0.0, 1.0) * (len(_STOPS) - 1)
    low = np.minimum(t.astype(int), len(_STOPS) - 2)
    frac = (t - low)[..., None]
    return (_STOPS[low] * (1 - frac) + _STOPS[low + 1] * frac).astype(np.uint8)


def level_bands(f: np.ndarray, levels: int = 14) -> np.ndarray:
    """f (H, W) -> band index 0..levels-1 (H, W) on a log scale above the minimum."""
    lifted = np.log10(f - np.nanmin(f) + 1e-3 * (np.nanmax(f) - np.nanmin(f)) + 1e-12)
    lo, hi = np.nanmin(lifted), np.nanmax(lifted)
    return np.minimum(((lifted - lo) / max(hi - lo, 1e-12) * levels).astype(int), levels - 1)


def contour_rgb(f: np.ndarray, levels: int = 14) -> np.ndarray:
    """Filled contour bands of f (H, W) with darker lines between bands: (H, W, 3) uint8."""
    bands = level_bands(f, levels)
    rgb = colour_map(bands / (levels - 1)).astype(float) * 0.55 + 255 * 0.45
    edges = np.zeros(bands.shape, bool)
    edges[1:] |= bands[1:] != bands[:-1]
    edges[:, 1:] |= bands[:, 1:] != bands[:, :-1]
    rgb[edges] *= 0.6
    return rgb.astype(np.uint8)


def contour_image(f: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """:func:`contour_rgb` of f (row 0 = lowest y) as a picture of ``size``, y upwards."""
    return Image.fromarray(contour_rgb(f)[::-1]).resize(size, Image.NEAREST)


def _font(size: int):
    return ImageFont.load_default(size=size)


def race_png(race, path: str, size: tuple[int, int] = (1280, 640)) -> None:
    """Write ``race`` (a :class:`graphlab.course.race.Race`) as a PNG of ``size``."""
    width, height = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    margin, side = 50, min(height - 100, width // 2 - 60)
    box = (margin, 60, margin + side, 60 + side)
    xs, ys, f = race.contour(200)
    image.paste(contour_image(f, (side, side)), box[:2])
    x0, x1, y0, y1 = race.surface.window

    def to_pixel(point):
        px = box[0] + (point[0] - x0) / (x1 - x0) * side
        py = box[3] - (point[1] - y0) / (y1 - y0) * side
        return (float(np.clip(px, box[0], box[2])), float(np.clip(py, box[1], box[3])))

    for name, runner in race.runners.items():
        points = [to_pixel(p) for p in runner.path if np.all(np.isfinite(p))]
        if len(points) > 1:
            draw.line(points, fill=COLOURS[name], width=3)
        x, y = to_pixel(runner.path[0])
        draw.ellipse((x - 5, y - 5, x + 5, y + 5), fill="white", outline="black")
    mx, my = to_pixel(race.surface.minimum)
    draw.line((mx - 8, my, mx + 8, my), fill="black", width=2)
    draw.line((mx, my - 8, mx, my + 8), fill="black", width=2)
    draw.rectangle(box, outline="black")
    title = f"{race.surface.title}: {race.steps} steps"
    draw.text((margin, 20), title, fill="black", font=_font(22))
    _loss_chart(draw, race, (box[2] + 90, 60, width - 30, 60 + side))
    image.save(path, "PNG")


def _loss_chart(draw, race, box) -> None:
    """Each runner's loss above the surface's lowest value, log scale, with a legend."""
    left, top, right, bottom = box
    floor = float(np.nanmin(race.contour(200)[2]))
    curves = {}
    for name, runner in race.runners.items():
        gap = np.asarray(runner.losses) - floor
        curves[name] = np.log10(np.clip(gap, 1e-8, 1e12))
    finite = np.concatenate([c[np.isfinite(c)] for c in curves.values()])
    lo, hi = np.floor(finite.min()), np.ceil(finite.max())
    hi = max(hi, lo + 1)
    steps = max(race.steps, 1)
    font = _font(16)
    draw.rectangle(box, outline="black")
    for decade in range(int(lo), int(hi) + 1):
        y = bottom - (decade - lo) / (hi - lo) * (bottom - top)
        draw.line((left, y, right, y), fill=(225, 225, 225))
        draw.text((left - 60, y - 9), f"1e{decade}", fill="black", font=font)
    for name, curve in curves.items():
        points = [
            (left + i / steps * (right - left), bottom - (v - lo) / (hi - lo) * (bottom - top))
            for i, v in enumerate(curve)
            if np.isfinite(v)
        ]
        if len(points) > 1:
            draw.line(points, fill=COLOURS[name], width=2)
    draw.text((left, bottom + 8), "step 0", fill="black", font=font)
    draw.text((right - 80, bottom + 8), f"step {steps}", fill="black", font=font)
    draw.text((left, top - 28), "loss - min f (log scale)", fill="black", font=font)
    for row, (name, runner) in enumerate(race.runners.items()):
        y = top + 10 + 22 * row
        draw.line((right - 190, y + 9, right - 165, y + 9), fill=COLOURS[name], width=4)
        draw.text((right - 158, y), f"{name} lr {runner.lr:g}", fill="black", font=font)
