"""A folder of images with one subfolder per class: ROOT/cat/1.png, ROOT/dog/7.jpg, ...

Classes are the subfolder names in sorted order (hidden folders are skipped); every file with an
image suffix (.png, .jpg, .jpeg, .bmp, .gif, .tif, .tiff, .webp) is one sample, other files are
ignored. Without ``size`` every image must have the size of the first one; with ``size`` (H, W)
every image is resized to it (bilinear). Images become grayscale (C=1) when all of them are
grayscale, otherwise RGB (C=3); transparency is dropped. Pillow reads the files.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from engine.errors import DatasetError
from graphlab.budget import check_bytes, regular_file
from graphlab.datasets.record import Dataset, make_dataset

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "F"})


def load_folder(root: Path, size: tuple[int, int] | None = None) -> Dataset:
    """Images (N, C, H, W) float32 in 0-255 and labels (N,) from ``root``'s class subfolders."""
    try:
        from PIL import Image
    except ImportError:
        raise DatasetError("reading an image folder needs Pillow: pip install pillow") from None
    if size is not None and (len(size) != 2 or min(size) < 1):
        raise DatasetError(f"{root}: size must be [H, W] with two positive integers, got {size}")
    if not root.is_dir():
        raise DatasetError(f"{root}: no such folder")
    classes = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not classes:
        raise DatasetError(f"{root}: no class subfolders (expected ROOT/CLASS_NAME/IMAGE files)")
    pixels, labels, gray = [], [], []
    total = 0  # bytes of pixels so far, as uint8 and as the float32 copy of the dataset
    for label, folder in enumerate(classes):
        files = sorted(f for f in folder.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise DatasetError(f"{folder}: the class folder holds no images")
        for file in files:
            rgb, is_gray = _read_image(Image, file, size)
            total += 5 * rgb.size
            check_bytes(total, root, f"{len(pixels) + 1} images (as float32)", DatasetError)
            if pixels and rgb.shape != pixels[0].shape:
                h, w = pixels[0].shape[:2]
                raise DatasetError(
                    f"{file}: {rgb.shape[0]}x{rgb.shape[1]} pixels, but the other images are "
                    f"{h}x{w}; give a size to resize them all"
                )
            pixels.append(rgb)
            labels.append(label)
            gray.append(is_gray)
    X = np.stack(pixels).transpose(0, 3, 1, 2)
    if all(gray):
        X = X[:, :1]
    names = [d.name for d in classes]
    return make_dataset(X, np.array(labels), names, f"folder:{root.name}", str(root))


def _read_image(Image, file: Path, size: tuple[int, int] | None) -> tuple[np.ndarray, bool]:
    """(H, W, 3) uint8 pixels of ``file`` and whether it was grayscale.

    Only a regular file is opened; its width and height (from the header, before decoding)
    are checked against the memory budget."""
    regular_file(file, DatasetError)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the budget decides
        try:
            with Image.open(file) as image:
                width, height = image.size
                check_bytes(7 * width * height, file, f"an image of {width}x{height} pixels",
                            DatasetError)  # fmt: skip
                image.load()
                is_gray = image.mode in GRAY_MODES
                rgb = image.convert("RGB")
            if size is not None:
                rgb = rgb.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            return np.asarray(rgb, dtype=np.uint8), is_gray
        except DatasetError:
            raise
        except Exception as e:  # Pillow raises many types for damaged or unknown files
            raise DatasetError(f"{file}: cannot read the image ({type(e).__name__})") from None
