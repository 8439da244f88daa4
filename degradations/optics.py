"""Degradations of the camera's optics and motion: defocus, haze, lens distortion, motion blur.

Each is grounded in the frame's camera: focal lengths in pixels come from ``frame.K`` and
distances from the rendered depth (metres), so the same physical setting degrades a
high-resolution render and a thumbnail alike.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial.transform import Rotation

from spatialqa.degradations.base import (
    GAMMA,
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
MAX_BLUR_RADIUS_PX = 40.0
"""Circles of confusion are clipped to this radius."""
SHARP_RADIUS_PX = 0.5
"""Blur radii below this leave a pixel sharp."""
LAYER_RATIO = 1.6
"""Depth layers are cut where the blur radius grows by this factor (from SHARP_RADIUS_PX)."""
_LAYER_MERGE_PX = 0.1
_LAYER_MERGE_SHARE = 0.15
"""Radii closer than this (in px, or as a share of the radius) make one layer."""
_FULL_RESOLUTION_PX = 3.5
"""Discs smaller than this radius are applied at full resolution, larger ones on a coarser grid."""

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
MAX_SUBSTEPS = 256
"""The most sub-frames a motion blur averages, a power of two (SpaceDG renders 80); they are
reprojected, not rendered, so more cost little."""
MIN_SUBSTEPS = 4
SUBSTEP_PX = 2.0
"""Sub-frames are added until the image moves at most this far between two of them."""
NEAREST_M = 0.3
"""Nearest depth assumed when bounding the image motion (closer surfaces are rare)."""
_REFINE_STEPS = 1
"""Fixed-point steps that find the depth of the surface a sub-frame's pixel shows."""
SLICES = 4
"""Sub-frames reprojected whole, from the frame and the path's ends (see ``exposure``)."""
_AGREE = 0.04
"""Relative inverse-depth difference within which a source sees the surface it is asked for."""
_LINEAR = ((np.arange(256) / 255.0) ** GAMMA).astype(np.float32)
"""Display byte -> linear light, as ``to_linear``, in float32."""


def _linear(image: np.ndarray) -> np.ndarray:
    """uint8 display values -> float32 linear light (``to_linear``'s values, by table)."""
    return cv2.LUT(image, _LINEAR)


def _linear_rgba(image: np.ndarray) -> np.ndarray:
    """uint8 display RGB -> float32 linear RGBA with alpha 1."""
    return cv2.cvtColor(_linear(image), cv2.COLOR_RGB2RGBA)


def _focal_px(frame: Frame, image: np.ndarray) -> float:
    """Mean focal length in pixels of ``image`` (the frame's K, scaled if sizes differ)."""
    height, width = image.shape[:2]
    return float((frame.K[0, 0] * width / frame.width + frame.K[1, 1] * height / frame.height) / 2)


def _disc(radius: float) -> np.ndarray:
    """A normalised pillbox kernel of ``radius`` pixels with an anti-aliased rim, float32."""
    half = int(np.ceil(radius))
    y, x = np.mgrid[-half : half + 1, -half : half + 1]
    weights = np.clip(radius + 0.5 - np.hypot(x, y), 0.0, 1.0)
    return (weights / weights.sum()).astype(np.float32)


@functools.cache
def _disc_for_variance(variance: float) -> np.ndarray:
    """The pillbox whose variance along an axis is ``variance`` (px^2); a continuous disc of
    radius R has R^2 / 4, which the anti-aliased rim of a small discrete one misses."""
    if variance <= 0:
        return np.ones((1, 1), np.float32)

    def spread(radius: float) -> float:
        kernel = _disc(radius)
        half = kernel.shape[0] // 2
        return float((kernel.sum(axis=0) * np.arange(-half, half + 1) ** 2).sum())

    low, high = 0.0, 2.0 * np.sqrt(variance) + 1.0
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if spread(middle) < variance else (low, middle)
    return _disc((low + high) / 2)


def _tent(k: int) -> np.ndarray:
    """The normalised triangle of half-width ``k``: sampled every ``k`` pixels, it shares a
    point between the two samples around it in proportion, keeping its centroid."""
    weights = k - np.abs(np.arange(1 - k, k, dtype=np.float64))
    return (weights / weights.sum()).astype(np.float32)


def disc_blur(image: np.ndarray, radius: float) -> np.ndarray:
    """Convolve a float32 (H, W) image with a disc of ``radius`` px; zero beyond its edges.

    Below ``_FULL_RESOLUTION_PX`` the disc is applied as it is. A larger disc is applied on a
    grid ``k`` times coarser: a triangle of half-width ``k`` before taking every ``k``-th pixel
    and bilinear interpolation back (each keeps a point's centroid, and together they add a
    variance of ``(k**2 - 1) / 3``), the coarse disc chosen so that the whole has the
    variance of the disc, ``radius**2 / 4``: the blur's size is exact, its rim a little soft.
    """
    if radius < SHARP_RADIUS_PX:
        return image
    target = radius**2 / 4.0
    if radius < _FULL_RESOLUTION_PX:
        kernel = _disc_for_variance(round(target, 4))
        return cv2.filter2D(image, -1, kernel, borderType=cv2.BORDER_CONSTANT)
    k = max(2, int(radius / 2.5))
    height, width = image.shape[:2]
    tent = _tent(k)
    coarse = cv2.sepFilter2D(image, -1, tent, tent, borderType=cv2.BORDER_CONSTANT)[::k, ::k]
    kernel = _disc_for_variance(round((target - (k * k - 1) / 3.0) / (k * k), 4))
    coarse = cv2.filter2D(coarse, -1, kernel, borderType=cv2.BORDER_CONSTANT)
    scale = np.array([[1.0 / k, 0.0, 0.0], [0.0, 1.0 / k, 0.0]])
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP  # pixel (x, y) reads coarse (x / k, y / k)
    return cv2.warpAffine(
        coarse, scale, (width, height), flags=flags, borderMode=cv2.BORDER_REPLICATE
    )


def layer_radii(signed: np.ndarray) -> np.ndarray:
    """Signed blur radii of the depth layers, ascending (nearest first): for each band of
    radius (cut at ``SHARP_RADIUS_PX * LAYER_RATIO ** i``, on either side of the focus) that
    holds pixels, its least and greatest radius, so that a surface at one depth (a plane
    facing the camera) is a layer of its own, blurred by exactly its own circle."""
    signed = np.ascontiguousarray(signed, dtype=np.float32)
    least, greatest = (float(v) for v in cv2.minMaxLoc(signed)[:2])
    cuts = [SHARP_RADIUS_PX]
    while cuts[-1] < max(-least, greatest):
        cuts.append(cuts[-1] * LAYER_RATIO)
    bands = [(-SHARP_RADIUS_PX, SHARP_RADIUS_PX)]
    bands += [(low, high) for low, high in itertools.pairwise(cuts)]
    bands += [(-high, -low) for low, high in itertools.pairwise(cuts)]
    levels = set()
    for low, high in bands:
        if high <= least or low > greatest:
            continue
        # [low, high): inRange keeps both ends.
        inside = cv2.inRange(signed, low, float(np.nextafter(np.float32(high), -np.inf)))
        if cv2.countNonZero(inside):
            found = cv2.minMaxLoc(signed, inside)[:2]
            levels |= {0.0} if low < 0 < high else {float(v) for v in found}
    if min(levels) < 0 < max(levels):
        levels.add(0.0)  # layers never span the focus: blur grows away from it both ways
    kept: list[float] = []
    for level in sorted(levels):
        close = max(_LAYER_MERGE_PX, _LAYER_MERGE_SHARE * abs(kept[-1])) if kept else 0.0
        if kept and level - kept[-1] < close and level != 0.0:
            continue
        kept.append(level)
    return np.array(kept)


def _spans(index: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row (axis 1) or column (axis 0): the least and greatest value of ``index``."""
    return index.min(axis=axis), index.max(axis=axis)


def _lines(spans: tuple[np.ndarray, np.ndarray], low: int, high: int) -> tuple[int, int]:
    """First and last line whose values reach into [low, high]; (0, -1) when none does."""
    lines = np.flatnonzero((spans[0] <= high) & (spans[1] >= low))
    return (int(lines[0]), int(lines[-1])) if lines.size else (0, -1)


def defocus(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
) -> Degraded:
    """A thin lens focused at one distance: each surface blurred by its circle of confusion.

    The circle's diameter in pixels is ``f_px * aperture * |1 / depth - 1 / focus|`` (the
    defocus in dioptres times the aperture, seen through the focal length), so surfaces at
    the focus distance stay sharp and others blur more the farther they are from it. The
    image is cut into depth layers by blur radius (``layer_radii``); each layer, in linear
    light with its coverage as alpha, is blurred once by its disc (``disc_blur``) and laid
    over the farther ones, so a blurred near surface spreads over what lies behind it and a
    sharp one hides the blur of what lies behind. A pixel between two layers' radii is shared
    by them, weighted so that its blur has the variance of its own circle. What a near
    surface hides is taken to continue what is seen around it (the layers' alpha is
    normalised at the end).
    """
    image = check_image(image)
    inverse = _inverse_depth(depth, image)  # 0 where nothing was drawn (infinitely far)
    check_severity(severity)
    focus = float(rng.uniform(*FOCUS_RANGE_M))
    aperture_mm = draw(APERTURES_MM, severity, rng)
    focal = _focal_px(frame, image)
    extremes = [float(v) for v in cv2.minMaxLoc(inverse)[:2]]
    max_coc = focal * aperture_mm / 1000.0 * max(abs(v - 1.0 / focus) for v in extremes)
    # Signed radius: positive beyond the focus, negative before it; ascending is nearest first.
    scale = focal * aperture_mm / 2000.0
    signed = np.clip(scale * (1.0 / focus - inverse), -MAX_BLUR_RADIUS_PX, MAX_BLUR_RADIUS_PX)
    levels = layer_radii(signed)
    # Planes (red, green, blue, alpha): a plane times a mask is a fast product.
    planes = np.empty((4, *image.shape[:2]), dtype=np.float32)
    cv2.split(_linear(image), list(planes[:3]))
    planes[3] = 1.0
    # Each pixel's farther layer (greater radius) holds it whole; its nearer layer, laid over
    # it, a share ``w`` chosen so that (1 - w) r_far^2 + w r_near^2 = r^2. Layer indices fit
    # a byte, so per-layer values are looked up by table.
    farther = np.zeros(signed.shape, np.uint8)
    for level in levels[:-1]:
        farther += signed > level
    squares = levels.astype(np.float32) ** 2
    far_r2 = cv2.LUT(farther, np.resize(squares, 256))
    near_r2 = cv2.LUT(farther, np.resize(np.concatenate([squares[:1], squares]), 256))
    # The nearest layer's own pixels: no nearer layer shares them (a span of 1, not 0).
    span = near_r2 - far_r2 + (farther == 0)
    # One number per pixel, ``farther - w``: layer i's alpha is 1 on (i - 1, i], falls from 1
    # to 0 on (i, i + 1) and is 0 elsewhere.
    place = farther - (signed * signed - far_r2) / span
    height, width = signed.shape
    rows, columns = _spans(farther, axis=1), _spans(farther, axis=0)
    total, empty = np.zeros_like(planes), True
    below_two = float(np.nextafter(np.float32(2.0), np.float32(0.0)))
    for index in range(len(levels) - 1, -1, -1):
        top, bottom = _lines(rows, index, index + 1)
        left, right = _lines(columns, index, index + 1)
        if bottom < top or right < left:
            continue
        radius = abs(float(levels[index]))
        grow = int(np.ceil(radius)) + max(2, int(radius / 2.5)) + 1
        top, left = max(top - grow, 0), max(left - grow, 0)
        bottom, right = min(bottom + grow + 1, height), min(right + grow + 1, width)
        window = (slice(top, bottom), slice(left, right))
        alpha = cv2.subtract(float(index + 1), place[window])
        alpha = cv2.threshold(alpha, below_two, 0.0, cv2.THRESH_TOZERO_INV)[1]
        alpha = cv2.threshold(alpha, 0.0, 0.0, cv2.THRESH_TOZERO)[1]
        alpha = cv2.threshold(alpha, 1.0, 0.0, cv2.THRESH_TRUNC)[1]
        premultiplied = [plane * alpha for plane in planes[(slice(None), *window)][:3]]
        layer = [disc_blur(plane, radius) for plane in (*premultiplied, alpha)]
        if empty:  # the farthest layer lies over nothing
            total[(slice(None), *window)] = layer
            empty = False
            continue
        clear = 1.0 - layer[3]
        for part, plane in zip(total[(slice(None), *window)], layer, strict=True):
            part *= clear
            part += plane
    seen = np.maximum(total[3], np.float32(1e-12))  # every pixel's own layer covers it
    out = cv2.merge([plane / seen for plane in total[:3]])
    params = {
        "focus_m": focus,
        "aperture_mm": aperture_mm,
        "focal_px": focal,
        "max_coc_px": max_coc,
        "layers": len(levels),
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


@dataclass(frozen=True)
class CameraPath:
    """The camera's motion while the shutter is open, in its own axes and centred on the frame's
    pose: at time ``s`` in [-1/2, 1/2] it has turned by ``rotation_rad * s`` about ``axis`` and
    moved by ``translation_m * s`` along ``direction`` (a straight segment with a steady turn).
    """

    translation_m: float
    rotation_rad: float
    direction: tuple[float, float, float]
    axis: tuple[float, float, float]

    def motion(self, s: float) -> np.ndarray:
        """4x4 from the camera at time ``s`` to the frame's camera: ``pose @ motion(s)``."""
        motion = np.eye(4)
        rotvec = np.asarray(self.axis, dtype=np.float64) * self.rotation_rad * s
        motion[:3, :3] = Rotation.from_rotvec(rotvec).as_matrix()
        motion[:3, 3] = np.asarray(self.direction, dtype=np.float64) * self.translation_m * s
        return motion


def substep_times(substeps: int) -> np.ndarray:
    """The sub-frames' times: the centres of ``substeps`` equal slices of [-1/2, 1/2]."""
    return (np.arange(substeps) + 0.5) / substeps - 0.5


def _source(
    motion: np.ndarray,
    K: np.ndarray,
    inverse: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    start: np.ndarray,
    refine: int = _REFINE_STEPS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where the surface that a sub-frame (the camera moved by ``motion`` from the source's)
    shows at its pixels (xs x ys, a grid) lies in a source image of inverse depth
    ``inverse``; ``start`` is a first guess of the sub-frame's inverse depth at those pixels.

    A point at inverse depth ``d`` (in the sub-frame's camera) seen at pixel x lies at
    ``K R K^-1 x + d K t`` in the source (homogeneous, scaled by ``d`` times its depth there).
    ``d`` is then taken from the surface the source shows where the point landed, ``refine``
    times (exact at once for a turn, for which depth does not matter, and for a plane facing
    a camera that moves sideways). Returns the source pixel (x, y), ``d``, and the source's
    inverse depth predicted there, ``d / w``: where the source shows that inverse depth (up to
    ``_AGREE``), it sees the point. Points behind the source's camera land far outside.
    """
    R, t = motion[:3, :3], motion[:3, 3]
    # Python floats keep the float32 maps float32.
    A, e = (K @ R @ np.linalg.inv(K)).tolist(), (K @ t).tolist()
    # The sub-frame's depth of the source's point at inverse depth ``seen`` where it lands is
    # ``(1 + d * shift) / w / seen - shift`` (with w the homogeneous scale), since the third
    # row of R^T turns R K^-1 x into K^-1 x, whose depth is 1.
    shift = float(R[:, 2] @ t)
    x, y = xs[None, :], ys[:, None]
    homog = [(A[i][0] * x + A[i][2]) + A[i][1] * y for i in range(3)]
    far = float(4 * max(inverse.shape))
    d = start
    for step in range(refine + 1):
        scale = 1.0 / np.maximum(homog[2] + d * e[2], np.float32(1e-6))
        qx = np.clip((homog[0] + d * e[0]) * scale, -far, far)
        qy = np.clip((homog[1] + d * e[1]) * scale, -far, far)
        if step == refine:
            return qx, qy, d, d * scale
        seen = cv2.remap(inverse, qx, qy, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
        depth_times_seen = (1.0 + d * shift) * scale - seen * shift
        behind = (depth_times_seen <= 1e-6).view(np.uint8)
        # Masked numpy (np.where) costs ten times cv2.copyTo.
        d = cv2.copyTo(d, behind, seen / np.maximum(depth_times_seen, np.float32(1e-6)))
    raise AssertionError("unreachable")


def _axes(margin: int, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel x and y coordinates of the frame grown by ``margin`` on every side, float32."""
    xs = np.arange(-margin, width + margin, dtype=np.float32)
    return xs, np.arange(-margin, height + margin, dtype=np.float32)


@dataclass(frozen=True)
class _Source:
    """An image a sub-frame is reprojected from: linear RGBA, inverse depth (0 where nothing
    was drawn) and the 4x4 motion from the frame's camera to its own."""

    rgba: np.ndarray
    inverse: np.ndarray
    motion: np.ndarray


def _upsample(half: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A float32 image solved on every other pixel, interpolated to ``size`` (width,
    height): pixel (x, y) reads (x / 2, y / 2). One channel at a time: cv2's two-channel
    warp costs many times as much."""
    scale = np.array([[0.5, 0.0, 0.0], [0.0, 0.5, 0.0]])
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    return cv2.warpAffine(half, scale, size, flags=flags, borderMode=cv2.BORDER_REPLICATE)


def _seen(
    source: _Source, motion: np.ndarray, K: np.ndarray, xs: np.ndarray, ys: np.ndarray, start
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What ``source`` shows of the sub-frame at ``motion`` (from the frame's camera) on the
    grid xs x ys: premultiplied RGBA, the sub-frame's inverse depth of that surface, and
    whether the source sees it (it lands inside, where the source shows its depth).

    The reprojection is solved on every other pixel and interpolated (it is smooth but at
    depth edges); whether the source sees the surface is then checked at every pixel."""
    relative = np.linalg.inv(source.motion) @ motion
    qx, qy, d, predicted = _source(
        relative, K, source.inverse, xs[::2], ys[::2], np.ascontiguousarray(start[::2, ::2])
    )
    qx, qy, d, predicted = (_upsample(part, (len(xs), len(ys))) for part in (qx, qy, d, predicted))
    seen = cv2.remap(source.inverse, qx, qy, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
    height, width = source.inverse.shape
    sees = cv2.absdiff(seen, predicted) <= _AGREE * predicted + 1e-4
    sees &= (qx >= 0) & (qx <= width - 1) & (qy >= 0) & (qy <= height - 1)
    rgba = cv2.remap(source.rgba, qx, qy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    return rgba, d, sees


def _sub_frame(
    frame_source: _Source,
    end: _Source,
    motion: np.ndarray,
    K: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    starts: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """The sub-frame at ``motion`` on the grid xs x ys, premultiplied RGBA, and the inverse
    depth of what it shows: each pixel from the frame where the frame sees its surface, from
    the rendered ``end`` where only the end does or where the end's surface is nearer (a
    surface the frame hides, or one moving in front of what the frame shows there)."""
    rgba, d, sees = _seen(frame_source, motion, K, xs, ys, starts[0])
    end_rgba, end_d, end_sees = _seen(end, motion, K, xs, ys, starts[1])
    nearer = end_d > d * (1.0 + _AGREE)
    use_end = end_sees & (nearer | ~sees)
    # Seen by neither: the frame's guess where it lands in the frame, else the end's.
    use_end |= ~sees & ~end_sees & (rgba[..., 3] < end_rgba[..., 3])
    cv2.copyTo(end_rgba, use_end.view(np.uint8), rgba)
    return rgba, cv2.copyTo(end_d, use_end.view(np.uint8), d.copy())


def path_travel(
    inverse: np.ndarray, frame: Frame, path: CameraPath, step: int = 4
) -> tuple[float, float]:
    """The longest distance (px) any pixel of the frame travels over the exposure, from its
    first instant to its last, and the largest bow (px) of a pixel's path off that chord,
    on a grid of every ``step``-th pixel of ``inverse`` (the frame's inverse depth)."""
    height, width = inverse.shape
    xs = np.arange(0, width, step, dtype=np.float32)
    ys = np.arange(0, height, step, dtype=np.float32)
    start = np.ascontiguousarray(inverse[::step, ::step])
    (x0, y0, _, _), (x1, y1, _, _) = (
        _source(path.motion(s), frame.K, inverse, xs, ys, start) for s in (-0.5, 0.5)
    )
    travel = float(np.hypot(x1 - x0, y1 - y0).max())
    bow = float(np.hypot(x0 + x1 - 2 * xs[None, :], y0 + y1 - 2 * ys[:, None]).max()) / 2
    return travel, bow


def _rendered(render: RenderFn, frame: Frame, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rendered RGB and inverse depth (0 where nothing was drawn) of ``frame``."""
    rendered = render(frame)
    rgb, depth = getattr(rendered, "rgb", None), getattr(rendered, "depth", None)
    if rgb is None or depth is None:
        raise ValueError(
            f"render: must return a RenderedFrame with rgb and depth (got {type(rendered)})"
        )
    rgb = check_image(rgb)
    if rgb.shape != image.shape:
        raise ValueError(f"render: sub-frame {rgb.shape} differs from image {image.shape}")
    return rgb, _inverse_depth(depth, rgb)


def _inverse_depth(depth: np.ndarray | None, image: np.ndarray) -> np.ndarray:
    """Inverse depth, float32, 0 where nothing was drawn (depth 0): ``1 / check_depth``
    without its float64 copies."""
    if depth is None:
        raise ValueError("depth: this degradation needs the depth map (got None)")
    depth = np.asarray(depth, dtype=np.float32)
    if depth.shape != image.shape[:2]:
        raise ValueError(f"depth: expected shape {image.shape[:2]}, got {depth.shape}")
    with np.errstate(divide="ignore"):
        inverse = np.float32(1.0) / depth  # float32 division rounds as float64's does
    # Not drawn (depth <= 0): negative or infinite, both made 0.
    inverse = cv2.threshold(inverse, 0.0, 0.0, cv2.THRESH_TOZERO)[1]
    return cv2.threshold(inverse, float(np.finfo(np.float32).max), 0.0, cv2.THRESH_TOZERO_INV)[1]


def exposure(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    path: CameraPath,
    substeps: int,
    render: RenderFn,
) -> np.ndarray:
    """The mean, in linear light, of ``substeps`` sub-frames at ``substep_times`` along
    ``path``, each reprojected with depth from the frame and from the path's two rendered
    ends (its first and last sub-frames, RenderedFrames from ``render``).

    ``SLICES`` sub-frames, at the centres of equal slices of the exposure, are reprojected
    whole (``_sub_frame``): each pixel from the frame where the frame sees its surface, from
    the end of its half of the exposure where only that end does or where the end's surface
    is nearer. So what the frame hides behind a nearer surface (and the ends show), what
    enters over its edges and a near surface sweeping over a far one are all seen. Their sum
    is then spread over its slice in ``n`` passes, each the sum of the last pass's result at
    its pixels moved by +-1/4, +-1/8, ... of a slice along the chord between where the
    path's ends see the pixel's surface: every sum of those steps is one sub-frame's time.
    That surface is taken at the mean inverse depth of what the slices' sub-frames show
    there, so it moves at their mean motion. Exact, up to resampling, for a static scene
    seen from a turning camera and for a plane facing a camera that moves sideways, but for
    the path's bend inside a slice (a few tenths of its bow off the chord, at most); where a
    pixel's slices show surfaces at different depths, each is spread over its slice at their
    mean motion (a texture's blur a little off, and a depth edge's sweep made of steps, one
    per slice, that the spread only softens). Reprojections are solved on every other pixel
    and interpolated; whether a source sees a surface is checked at every pixel.
    """
    image = check_image(image)
    inverse = _inverse_depth(depth, image)
    height, width = image.shape[:2]
    if (width, height) != (frame.width, frame.height):
        raise ValueError(f"image: {width}x{height} differs from frame {frame.id!r}'s size")
    if substeps < 2 or substeps & (substeps - 1):
        raise ValueError(f"substeps: must be a power of two >= 2 (got {substeps})")
    times = substep_times(substeps)
    centre = _Source(_linear_rgba(image), inverse, np.eye(4))
    ends = []
    for s in (times[0], times[-1]):
        rgb, end_inverse = _rendered(
            render, dataclasses.replace(frame, pose=frame.pose @ path.motion(s)), image
        )
        ends.append(_Source(_linear_rgba(rgb), end_inverse, path.motion(s)))
    slices = min(SLICES, substeps)
    passes = int(np.log2(substeps // slices))
    offsets = [0.5**k / slices for k in range(2, passes + 2)]
    # Pass k's result is needed where the later, shorter passes will sample it; the slices'
    # sub-frames where the first samples them.
    travel_max, _ = path_travel(inverse, frame, path)
    reach = min(1.1 * travel_max, 2.0 * max(width, height))
    margins = [int(np.ceil(reach * sum(offsets[k + 1 :]))) + 2 for k in range(passes)]
    margin = margins[0] + int(np.ceil(reach * offsets[0])) + 2 if passes else 0
    xs, ys = _axes(margin, width, height)
    starts = [
        cv2.copyMakeBorder(source.inverse, *[margin] * 4, cv2.BORDER_REPLICATE)
        for source in (centre, *ends)
    ]
    current, mean = None, None
    for t in substep_times(slices):
        end = ends[int(t > 0)]
        rgba, d = _sub_frame(
            centre, end, path.motion(t), frame.K, xs, ys, (starts[0], starts[1 + int(t > 0)])
        )
        current = rgba if current is None else cv2.add(current, rgba, dst=current)
        mean = d / slices if mean is None else cv2.scaleAdd(d, 1.0 / slices, mean)
    if passes:
        # The travel over the exposure of the surface at the slices' mean inverse depth,
        # solved on every other pixel.
        half = np.ascontiguousarray(mean[::2, ::2])
        ends_seen = [
            _source(path.motion(s), frame.K, inverse, xs[::2], ys[::2], half, refine=0)
            for s in (-0.5, 0.5)
        ]
        travel = [
            _upsample(ends_seen[1][axis] - ends_seen[0][axis], (len(xs), len(ys)))
            for axis in (0, 1)
        ]
    origin = margin
    for offset, grown in zip(offsets, margins, strict=True):
        rows = slice(margin - grown, margin + grown + height)
        columns = slice(margin - grown, margin + grown + width)
        # Where pass k's pixels lie in the last result's array, then +- offset of the travel.
        base = (xs[None, columns] + origin, ys[rows, None] + origin)
        steps = [offset * part[rows, columns] for part in travel]
        # The sum, not the mean: the last division by alpha undoes every factor of two.
        current = cv2.add(
            *(
                cv2.remap(
                    current,
                    base[0] + sign * steps[0],
                    base[1] + sign * steps[1],
                    cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_CONSTANT,
                )
                for sign in (-1.0, 1.0)
            )
        )
        origin = grown
    current = current[origin : origin + height, origin : origin + width]
    unseen = (current[..., 3] <= 0).view(np.uint8)
    out = current / np.maximum(current[..., 3:], np.float32(1e-30))
    return cv2.cvtColor(cv2.copyTo(centre.rgba, unseen, out), cv2.COLOR_RGBA2RGB)


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
    along a straight path segment with a steady turn, centred on the frame's pose (see
    ``exposure``: the frame reprojected with its depth, the path's two ends rendered).

    The translation and the rotation (about a random axis) are drawn per severity, in the
    camera's own axes. Sub-frames are added until the image moves at most ``SUBSTEP_PX``
    between two of them (bounded with the nearest depth), between ``MIN_SUBSTEPS`` and
    ``MAX_SUBSTEPS``, rounded up to a power of two. Because the path is centred, labels of
    the frame stay where they are.
    """
    image = check_image(image)
    _inverse_depth(depth, image)  # checks it
    check_severity(severity)
    translation = draw(MOTION_TRANSLATIONS_M, severity, rng)
    rotation = draw(MOTION_ROTATIONS_RAD, severity, rng)
    direction, axis = _unit(rng), _unit(rng)
    values = np.asarray(depth)
    values = values if values.dtype == np.float32 else values.astype(np.float64)
    drawn = (values > 0).view(np.uint8)
    closest = cv2.minMaxLoc(values, drawn)[0] if cv2.countNonZero(drawn) else np.inf
    nearest = max(float(closest), NEAREST_M)
    travel_px = _focal_px(frame, image) * (rotation + translation / nearest)
    needed = np.clip(np.ceil(travel_px / SUBSTEP_PX), MIN_SUBSTEPS, MAX_SUBSTEPS)
    substeps = int(2 ** np.ceil(np.log2(needed)))
    path = CameraPath(translation, rotation, tuple(direction), tuple(axis))
    linear = exposure(image, depth, frame, path, substeps, render)
    params = {
        "translation_m": translation,
        "rotation_rad": rotation,
        "direction": [float(c) for c in direction],
        "axis": [float(c) for c in axis],
        "substeps": substeps,
        "rendered_substeps": 2,
        "shutter": "centred",
    }
    return Degraded(image=to_display(linear), params=params)
