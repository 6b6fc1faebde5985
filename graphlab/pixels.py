"""Images as pixel arrays (C, H, W) in [0, 1]: read safely with Pillow, resized, inspected."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.errors import GraphLabError

#: the most pixels an image may have before it is decoded (a decompression-bomb guard)
MAX_IMAGE_PIXELS = 40_000_000


class InputError(GraphLabError):
    """A value given for an input node does not fit it; the message says which and why."""


def read_image(path: Path, channels: int) -> np.ndarray:
    """The image at ``path`` as (channels, H, W) float32 in [0, 1]; 1 channel is grey, 3 RGB.

    Transparent parts count as white. GraphLabError (one sentence) when it cannot be read.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise InputError(
                    f"{path.name}: {width}x{height} pixels is more than {MAX_IMAGE_PIXELS:,}"
                )
            image.load()
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                rgba = image.convert("RGBA")
                image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
            pixels = np.asarray(image.convert("L" if channels == 1 else "RGB"), dtype=np.float32)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InputError(f"{path.name}: not a readable image") from None
    pixels = pixels / 255.0
    return pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)


def resize(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """(C, h, w) in [0, 1] -> (C, height, width): area averaging when shrinking (as the 8x8
    digits were made), bilinear when growing."""
    from PIL import Image

    if pixels.shape[1:] == (height, width):
        return pixels.astype(np.float32)
    shrink = pixels.shape[1] >= height and pixels.shape[2] >= width
    method = Image.Resampling.BOX if shrink else Image.Resampling.BILINEAR
    planes = [
        np.asarray(Image.fromarray(plane.astype(np.float32)).resize((width, height), method))
        for plane in pixels
    ]
    return np.clip(np.stack(planes), 0.0, 1.0).astype(np.float32)


def border_is_light(pixels: np.ndarray) -> bool:
    """Whether the outermost rows and columns of (C, H, W) pixels in [0, 1] are mostly light."""
    edges = [pixels[:, 0], pixels[:, -1], pixels[:, :, 0], pixels[:, :, -1]]
    return float(np.mean([e.mean() for e in edges])) > 0.5
