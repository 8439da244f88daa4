"""Degradations that change appearance only: no pixel moves, so 2D labels stay as they are."""

from __future__ import annotations

import numpy as np

from spatialqa.degradations.base import Degraded, by_severity, check_image
from spatialqa.degradations.codec import JPEG_SUBSAMPLING, decode_image, encode_image
from spatialqa.scenes import Frame

# Standard deviation in 8-bit intensity units (0..255), per severity 1..5.
NOISE_SIGMAS = (4.0, 8.0, 16.0, 24.0, 36.0)
JPEG_QUALITIES = (60, 40, 20, 10, 5)


def gaussian_noise(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
) -> Degraded:
    """Add zero-mean Gaussian noise per pixel and channel (sensor read noise), then round and clip.

    Parameters
    ----------
    image : (H, W, 3) uint8
    depth : (H, W) float32 or None
        Unused: the noise does not depend on distance.
    frame : Frame
        Unused.
    severity : int in 1..5
        Selects the standard deviation from ``NOISE_SIGMAS``.
    rng : numpy.random.Generator
        The only source of randomness: the same seed gives the same bytes.
    """
    image = check_image(image)
    sigma = by_severity(NOISE_SIGMAS, severity)
    noise = rng.standard_normal(image.shape, dtype=np.float32) * np.float32(sigma)
    noisy = np.clip(np.rint(image.astype(np.float32) + noise), 0, 255).astype(np.uint8)
    return Degraded(image=noisy, params={"sigma": sigma}, moves_pixels=False)


def jpeg(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
) -> Degraded:
    """Compress and decompress with JPEG (blocking, ringing, colour bleeding); deterministic.

    Parameters
    ----------
    image : (H, W, 3) uint8
    depth : (H, W) float32 or None
        Unused.
    frame : Frame
        Unused.
    severity : int in 1..5
        Selects the quality from ``JPEG_QUALITIES``.
    rng : numpy.random.Generator
        Unused (JPEG is deterministic); taken so that every degradation has one signature.
    """
    image = check_image(image)
    quality = by_severity(JPEG_QUALITIES, severity)
    degraded = decode_image(encode_image(image, fmt="jpeg", quality=quality))
    return Degraded(
        image=degraded,
        params={"quality": quality, "subsampling": JPEG_SUBSAMPLING},
        moves_pixels=False,
    )
