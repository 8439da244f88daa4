"""Image bytes for storage and for the JPEG degradation: Pillow, deterministic, no metadata."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from spatialqa.degradations.base import check_image
from spatialqa.errors import ConfigError

FORMATS = ("jpeg", "png")
# Fixed explicitly rather than left to Pillow's defaults, which may change between versions.
JPEG_SUBSAMPLING = "4:2:0"
PNG_COMPRESS_LEVEL = 6


def encode_image(rgb: np.ndarray, fmt: str = "jpeg", quality: int = 90) -> bytes:
    """Encode an (H, W, 3) uint8 image; same pixels and Pillow version give the same bytes.

    Parameters
    ----------
    rgb : (H, W, 3) uint8
    fmt : {"jpeg", "png"}
    quality : int
        JPEG quality in 1..100; ignored for PNG (lossless).

    Nothing that varies between runs is written: no EXIF, no timestamps, no text chunks.
    """
    rgb = check_image(rgb)
    if fmt not in FORMATS:
        raise ConfigError(f"'fmt' must be one of {FORMATS} (got {fmt!r})")
    if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)):
        raise ConfigError(f"'quality' must be int in 1..100 (got {quality!r})")
    if not 1 <= quality <= 100:
        raise ConfigError(f"'quality' must be int in 1..100 (got {quality})")
    buffer = io.BytesIO()
    image = Image.fromarray(np.ascontiguousarray(rgb), mode="RGB")
    if fmt == "jpeg":
        image.save(
            buffer,
            format="JPEG",
            quality=int(quality),
            subsampling=JPEG_SUBSAMPLING,
            optimize=False,
            progressive=False,
        )
    else:
        image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL, optimize=False)
    return buffer.getvalue()


def decode_image(data: bytes) -> np.ndarray:
    """Decode JPEG or PNG bytes into an (H, W, 3) uint8 array."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8)
