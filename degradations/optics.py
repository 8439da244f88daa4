"""Degradations of the camera's optics and motion: defocus, haze, lens distortion, motion blur.

Each is grounded in the frame's camera: focal lengths in pixels come from ``frame.K`` and
distances from the rendered depth (metres), so the same physical setting degrades a
high-resolution render and a thumbnail alike.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
from scipy.fft import irfft2, rfft2
from scipy.spatial.transform import Rotation

from spatialqa.degradations.base import (
    Degraded,
    RenderFn,
    check_depth,
    check_image,
    check_severity,
    draw,
    to_display,
    to_linear,
)
from spatialqa.degradations.labels import PixelMap
from spatialqa.scenes import Frame

# Lens aperture diameter (mm). Severity 5 reads SpaceDG's "aperture 10-15" as centimetres: in
# millimetres a wide-angle 640-px view would blur by under 5 px even at its hardest level.
# Focus anywhere in SpaceDG's 1-8 m.
APERTURES_MM = ((20.0, 30.0), (35.0, 50.0), (55.0, 75.0), (80.0, 100.0), (100.0, 150.0))
FOCUS_RANGE_M = (1.0, 8.0)
# Blur radii (px) at which the image is convolved; a pixel blends the two around its own.
_DEFOCUS_LEVELS = (0, 0.5, 1, 1.5, 2, 3, 4, 5, 6.5, 8, 10, 13, 16, 20, 25, 32, 40)

# Haze density, SpaceDG's scale (severity 5: 3.5-6); the extinction coefficient is density / 10
# per metre, so at 4 m severity 5 lets through 9-25 % of the light.
HAZE_DENSITIES = ((0.5, 1.0), (1.0, 1.8), (1.8, 2.8), (2.8, 3.5), (3.5, 6.0))
HAZE_PER_M = 0.1
AIRLIGHT_RANGE = (0.7, 0.9)

# Radial distortion k1 (barrel); severity 5 is SpaceDG's k1 about -0.24 with k2 1e-4..3e-4.
DISTORTION_K1 = ((-0.06, -0.04), (-0.11, -0.08), (-0.16, -0.13), (-0.21, -0.18), (-0.25, -0.23))
DISTORTION_K2 = (1e-4, 3e-4)
_TABLE_SAMPLES = 8192

# Camera motion while the shutter is open; severity 5 is SpaceDG's 0.2-0.35 m, 0.06-0.12 rad.
MOTION_TRANSLATIONS_M = ((0.02, 0.04), (0.05, 0.08), (0.09, 0.13), (0.14, 0.2), (0.2, 0.35))
MOTION_ROTATIONS_RAD = ((0.005, 0.01), (0.012, 0.02), (0.025, 0.04), (0.045, 0.06), (0.06, 0.12))
MAX_SUBSTEPS = 80
"""SpaceDG's sub-step count: the most sub-frames a motion blur renders."""
MIN_SUBSTEPS = 4
SUBSTEP_PX = 2.0
"""Sub-frames are added until the image moves at most this far between two of them."""
NEAREST_M = 0.3
"""Nearest depth assumed when bounding the image motion (closer surfaces are rare)."""


def _focal_px(frame: Frame, image: np.ndarray) -> float:
    """Mean focal length in pixels of ``image`` (the frame's K, scaled if sizes differ)."""
    height, width = image.shape[:2]
    return float((frame.K[0, 0] * width / frame.width + frame.K[1, 1] * height / frame.height) / 2)


def _disc(radius: float) -> np.ndarray:
    """A normalised pillbox kernel of ``radius`` pixels with an anti-aliased rim."""
    half = int(np.ceil(radius))
    y, x = np.mgrid[-half : half + 1, -half : half + 1]
    weights = np.clip(radius + 0.5 - np.hypot(x, y), 0.0, 1.0)
    return weights / weights.sum()


class _DiscBlur:
    """Blurs of one image by discs of several radii, sharing the image's Fourier transform.

    The image is padded by its edge values by the largest radius, so the circular convolution
    never wraps into the part that is kept.
    """

    def __init__(self, linear: np.ndarray, largest: float) -> None:
        self.linear = linear
        self.pad = int(np.ceil(largest))
        padded = np.pad(linear, ((self.pad, self.pad), (self.pad, self.pad), (0, 0)), mode="edge")
        self.shape = padded.shape[:2]
        self.spectrum = rfft2(padded, axes=(0, 1))

    def __call__(self, radius: float) -> np.ndarray:
        if radius < 0.5:
            return self.linear
        disc = _disc(radius)
        half = disc.shape[0] // 2
        kernel = np.zeros(self.shape)
        kernel[: disc.shape[0], : disc.shape[1]] = disc
        kernel = np.roll(kernel, (-half, -half), axis=(0, 1))  # centred on pixel (0, 0)
        blurred = irfft2(self.spectrum * rfft2(kernel)[..., None], s=self.shape, axes=(0, 1))
        height, width = self.linear.shape[:2]
        return np.clip(blurred[self.pad : self.pad + height, self.pad : self.pad + width], 0, None)


def defocus(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
) -> Degraded:
    """A thin lens focused at one distance: each pixel blurred by its circle of confusion.

    The circle's diameter in pixels is ``f_px * aperture * |1 / depth - 1 / focus|`` (the
    defocus in dioptres times the aperture, seen through the focal length), so surfaces at
    the focus distance stay sharp and others blur more the farther they are from it. The
    image is convolved in linear light with discs at fixed radii and each pixel blends the two
    nearest its own radius (a layered approximation: edges bleed a little across depth).
    """
    image = check_image(image)
    distance = check_depth(depth, image)
    check_severity(severity)
    focus = float(rng.uniform(*FOCUS_RANGE_M))
    aperture_mm = draw(APERTURES_MM, severity, rng)
    focal = _focal_px(frame, image)
    coc = focal * aperture_mm / 1000.0 * np.abs(1.0 / distance - 1.0 / focus)
    radius = np.clip(coc / 2.0, 0.0, _DEFOCUS_LEVELS[-1])
    levels = np.array([r for r in _DEFOCUS_LEVELS if r <= radius.max()] + [radius.max()])
    levels = np.unique(levels)
    linear = to_linear(image)
    blur = _DiscBlur(linear, levels[-1])
    out = np.zeros_like(linear)
    below = linear
    for low, high in itertools.pairwise(levels):
        above = blur(high)
        inside = (radius >= low) & (radius <= high)
        weight = ((radius - low) / (high - low))[..., None]
        out = np.where(inside[..., None], below * (1 - weight) + above * weight, out)
        below = above
    if len(levels) == 1:
        out = linear
    params = {
        "focus_m": focus,
        "aperture_mm": aperture_mm,
        "focal_px": focal,
        "max_coc_px": float(coc[np.isfinite(coc)].max(initial=0.0)),
    }
    return Degraded(image=to_display(out), params=params)


def haze(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
) -> Degraded:
    """Koschmieder's model: ``J t + A (1 - t)`` with transmission ``t = exp(-beta depth)``.

    In linear light; where nothing was drawn (depth 0) the distance is infinite and only the
    airlight ``A`` (a light, slightly tinted grey) remains.
    """
    image = check_image(image)
    distance = check_depth(depth, image)
    check_severity(severity)
    density = draw(HAZE_DENSITIES, severity, rng)
    beta = density * HAZE_PER_M
    level = float(rng.uniform(*AIRLIGHT_RANGE))
    airlight = level * (1.0 + rng.uniform(-0.04, 0.04, size=3))
    transmission = np.exp(-beta * distance)[..., None]
    out = to_linear(image) * transmission + airlight * (1.0 - transmission)
    params = {
        "density": density,
        "beta_per_m": beta,
        "airlight": [float(a) for a in airlight],
    }
    return Degraded(image=to_display(out), params=params)


def radial_distortion(
    frame: Frame, size: tuple[int, int], k: tuple[float, float, float, float]
) -> PixelMap:
    """Brown's radial model ``x_d = x (1 + k1 r^2 + k2 r^4 + k3 r^6 + k4 r^8)`` on normalised
    coordinates ``x = (u - cx) / fx`` of an image of ``size`` (width, height) seen by ``frame``.

    ``forward`` distorts (labels), ``inverse`` undoes it through a dense monotone table of the
    radius. Radii past the point where the model folds back have no image (NaN).
    """
    width, height = size
    sx, sy = width / frame.width, height / frame.height
    fx, fy = frame.K[0, 0] * sx, frame.K[1, 1] * sy
    cx, cy = (frame.K[0, 2] + 0.5) * sx - 0.5, (frame.K[1, 2] + 0.5) * sy - 0.5  # Frame.resized
    coefficients = np.array([1.0, *k])

    def factor(r2: np.ndarray) -> np.ndarray:
        return np.polynomial.polynomial.polyval(r2, coefficients)

    corners = np.array([[-0.5, -0.5], [width - 0.5, height - 0.5], [-0.5, height], [width, 0]])
    reach = np.max(np.hypot((corners[:, 0] - cx) / fx, (corners[:, 1] - cy) / fy))
    r = np.linspace(0.0, 3.0 * reach, _TABLE_SAMPLES)
    rd = r * factor(r**2)
    rising = np.diff(rd) > 0
    end = len(r) if rising.all() else int(np.argmin(rising)) + 1
    r, rd = r[:end], rd[:end]

    def normalise(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (xy[:, 0] - cx) / fx, (xy[:, 1] - cy) / fy

    def pixels(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.column_stack([x * fx + cx, y * fy + cy])

    def forward(xy: np.ndarray) -> np.ndarray:
        x, y = normalise(xy)
        r2 = x * x + y * y
        scale = np.where(r2 <= r[-1] ** 2, factor(r2), np.nan)
        return pixels(x * scale, y * scale)

    def inverse(xy: np.ndarray) -> np.ndarray:
        x, y = normalise(xy)
        radius = np.hypot(x, y)
        source = np.interp(radius, rd, r, right=np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(radius > 0, source / radius, 1.0)
        return pixels(x * scale, y * scale)

    return PixelMap(forward=forward, inverse=inverse, size=(width, height))


def lens_distortion(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
) -> Degraded:
    """Barrel distortion of a wide lens, resampled bilinearly; the label transform distorts
    undistorted pixel coordinates. The corners that no source pixel reaches are black."""
    image = check_image(image)
    k1 = draw(DISTORTION_K1, severity, rng)
    k2 = float(rng.uniform(*DISTORTION_K2))
    k = (k1, k2, 0.0, 0.0)
    height, width = image.shape[:2]
    transform = radial_distortion(frame, (width, height), k)
    params = {"model": "radial", "k1": k1, "k2": k2, "k3": 0.0, "k4": 0.0}
    return Degraded(image=transform.image(image), params=params, transform=transform)


def _unit(rng: np.random.Generator) -> np.ndarray:
    vector = rng.standard_normal(3)
    return vector / np.linalg.norm(vector)


def motion_blur(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
    render: RenderFn,
) -> Degraded:
    """The camera moves while the shutter is open: the mean, in linear light, of sub-frames
    rendered along a straight path segment with a steady turn, centred on the frame's pose.

    The translation and the rotation (about a random axis) are drawn per severity, in the
    camera's own axes. Sub-frames are added until the image moves at most ``SUBSTEP_PX``
    between two of them (bounded with the nearest depth), between ``MIN_SUBSTEPS`` and
    ``MAX_SUBSTEPS``. Because the path is centred, labels of the frame stay where they are.
    """
    image = check_image(image)
    distance = check_depth(depth, image)
    check_severity(severity)
    translation = draw(MOTION_TRANSLATIONS_M, severity, rng)
    rotation = draw(MOTION_ROTATIONS_RAD, severity, rng)
    direction, axis = _unit(rng), _unit(rng)
    nearest = max(float(distance.min()), NEAREST_M)
    travel_px = _focal_px(frame, image) * (rotation + translation / nearest)
    substeps = int(np.clip(np.ceil(travel_px / SUBSTEP_PX), MIN_SUBSTEPS, MAX_SUBSTEPS))
    total = np.zeros(image.shape, dtype=np.float64)
    for step in range(substeps):
        s = (step + 0.5) / substeps - 0.5
        motion = np.eye(4)
        motion[:3, :3] = Rotation.from_rotvec(axis * rotation * s).as_matrix()
        motion[:3, 3] = direction * translation * s
        sub = dataclasses.replace(frame, pose=frame.pose @ motion)
        rendered = check_image(render(sub))
        if rendered.shape != image.shape:
            raise ValueError(f"render: sub-frame {rendered.shape} differs from image {image.shape}")
        total += to_linear(rendered)
    params = {
        "translation_m": translation,
        "rotation_rad": rotation,
        "direction": [float(c) for c in direction],
        "axis": [float(c) for c in axis],
        "substeps": substeps,
        "shutter": "centred",
    }
    return Degraded(image=to_display(total / substeps), params=params)
