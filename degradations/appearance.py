"""Degradations that change appearance only: no pixel moves, so 2D labels stay as they are.

Photometric ones work in linear light (the renderers' display gamma undone), where exposure,
photon counts and white balance act multiplicatively, as they do in a camera.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from spatialqa.degradations.base import (
    Degraded,
    by_severity,
    check_image,
    check_severity,
    draw,
    to_display,
    to_linear,
)
from spatialqa.degradations.codec import JPEG_SUBSAMPLING, decode_image, encode_image
from spatialqa.scenes import Frame

# Standard deviation in 8-bit intensity units (0..255), per severity 1..5.
NOISE_SIGMAS = (4.0, 8.0, 16.0, 24.0, 36.0)
JPEG_QUALITIES = (60, 40, 20, 10, 5)
# Exposure relative to a well-exposed shot; severity 5 is SpaceDG's 0.003-0.005.
LOW_LIGHT_EXPOSURES = ((0.2, 0.3), (0.08, 0.12), (0.03, 0.05), (0.01, 0.02), (0.003, 0.005))
FULL_WELL_E = 10_000.0
"""Electrons that a white pixel collects at full exposure (a small phone-camera pixel)."""
READ_NOISE_E = 3.0
"""Sensor read noise, electrons RMS."""
GAIN_RECOVERY = 0.5
"""The camera's gain makes up this power of the lost exposure: the shot gets brighter, and its
noise with it, yet stays dark (a linear white of 1 shows as ``exposure ** 0.5``)."""
# Exposure multiplier; severity 5 is SpaceDG's 7-10.
OVER_EXPOSURES = ((1.2, 1.4), (1.5, 2.0), (2.5, 3.5), (4.0, 6.0), (7.0, 10.0))
# Down-sampling scale; severity 5 is SpaceDG's 0.02-0.05.
LOW_RES_SCALES = ((0.4, 0.5), (0.2, 0.3), (0.1, 0.15), (0.05, 0.08), (0.02, 0.05))
# Strength of a white-balance error: log-gain amplitude across the three channels.
COLOUR_SHIFTS = ((0.08, 0.12), (0.15, 0.22), (0.25, 0.35), (0.4, 0.5), (0.55, 0.7))


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
    return Degraded(image=noisy, params={"sigma": sigma})


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
    return Degraded(image=degraded, params={"quality": quality, "subsampling": JPEG_SUBSAMPLING})


def low_light(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
) -> Degraded:
    """A short exposure: fewer photons (Poisson shot noise), read noise, then the camera's gain.

    The image's linear light times ``FULL_WELL_E * exposure`` is the expected electron count
    per pixel and channel; the count is Poisson, read noise is Gaussian (``READ_NOISE_E``),
    and the gain brings the result up to ``exposure ** (1 - GAIN_RECOVERY)`` of the original
    brightness. Severity draws the exposure from ``LOW_LIGHT_EXPOSURES``.
    """
    image = check_image(image)
    exposure = draw(LOW_LIGHT_EXPOSURES, severity, rng)
    electrons = rng.poisson(to_linear(image) * FULL_WELL_E * exposure).astype(np.float64)
    electrons += rng.standard_normal(image.shape) * READ_NOISE_E
    gain = exposure ** (-GAIN_RECOVERY)
    out = to_display(electrons / FULL_WELL_E * gain)
    params = {
        "exposure": exposure,
        "full_well_e": FULL_WELL_E,
        "read_noise_e": READ_NOISE_E,
        "gain": gain,
    }
    return Degraded(image=out, params=params)


def over_exposure(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
) -> Degraded:
    """Too much light: linear light times the exposure, clipped at the sensor's white."""
    image = check_image(image)
    exposure = draw(OVER_EXPOSURES, severity, rng)
    return Degraded(image=to_display(to_linear(image) * exposure), params={"exposure": exposure})


def low_resolution(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
) -> Degraded:
    """Seen by a coarser sensor: area-averaged down to ``scale`` of the size, bilinearly up.

    Both resizes keep pixel centres aligned (Pillow), so nothing moves and labels stay.
    """
    image = check_image(image)
    scale = draw(LOW_RES_SCALES, severity, rng)
    height, width = image.shape[:2]
    small = (max(1, round(width * scale)), max(1, round(height * scale)))
    picture = Image.fromarray(image).resize(small, Image.Resampling.BOX)
    restored = np.asarray(picture.resize((width, height), Image.Resampling.BILINEAR))
    params = {"scale": scale, "width": small[0], "height": small[1]}
    return Degraded(image=np.ascontiguousarray(restored, dtype=np.uint8), params=params)


def colour_shift(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
) -> Degraded:
    """A white-balance error: one gain per channel in linear light, their product 1.

    The log-gains are ``amplitude * cos(hue - 120 deg * channel)``, a shift towards a random
    hue that leaves grey's overall level alone; severity draws the amplitude.
    """
    image = check_image(image)
    check_severity(severity)
    hue = float(rng.uniform(0.0, 2.0 * np.pi))
    amplitude = draw(COLOUR_SHIFTS, severity, rng)
    gains = np.exp(amplitude * np.cos(hue - 2.0 * np.pi * np.arange(3) / 3.0))
    out = to_display(to_linear(image) * gains)
    params = {"hue_rad": hue, "amplitude": amplitude, "gains": [float(g) for g in gains]}
    return Degraded(image=out, params=params)
