"""Weather between the camera and the scene: rain streaks, snowflakes, water drops on the lens.

Streaks and flakes are placed at random distances in front of the camera and drawn only where
the scene lies behind them (the rendered depth), sized by perspective: near ones are long,
large and soft, far ones thin and small. Drops sit on the lens itself and refract: each shows
a flipped, shrunken, blurred view of the scene around it. None of them moves the scene in the
image, so 2D labels stay (they occlude, as any object in front would).

Every draw is made for the most drops severity 5 uses; a severity takes the first ones of
them, so for one seed a higher severity adds to what a lower one shows.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from scipy import ndimage

from spatialqa.degradations.base import (
    Degraded,
    by_severity,
    check_depth,
    check_image,
    to_display,
    to_linear,
)
from spatialqa.degradations.labels import resample
from spatialqa.scenes import Frame

_NEAR_M, _FAR_M = 0.3, 6.0
"""Weather particles lie between these distances (m), uniformly in inverse depth."""
_LAYERS = 8
"""Particles are drawn in this many depth layers, each occluded by the scene separately."""

# Rain: streaks per 10,000 pixels and their opacity, per severity.
RAIN_DENSITY = (1.5, 3.0, 5.0, 8.0, 12.0)
RAIN_OPACITY = (0.25, 0.3, 0.35, 0.4, 0.45)
RAIN_FALL_M = 0.12
"""How far a drop falls while the shutter is open (about 7 m/s for 1/60 s)."""
RAIN_DROP_M = 0.003
# Snow: flakes per 10,000 pixels, per severity.
SNOW_DENSITY = (1.0, 2.0, 4.0, 7.0, 11.0)
SNOW_FLAKE_M = 0.008
SNOW_OPACITY = 0.85
# Light scattered by the falling particles, lifting the whole image towards grey.
WEATHER_VEIL = (0.03, 0.06, 0.09, 0.12, 0.16)
# Drops on the lens: how many, their radius in tenths of the image's shorter side (severity 5
# is SpaceDG's 0.25-0.75) and their refraction strength (severity 5: SpaceDG's 0.3-0.5).
DROP_COUNTS = (3, 6, 10, 14, 18)
DROP_RADII = ((0.1, 0.3), (0.15, 0.4), (0.2, 0.5), (0.22, 0.6), (0.25, 0.75))
DROP_STRENGTHS = ((0.1, 0.2), (0.15, 0.25), (0.2, 0.35), (0.25, 0.4), (0.3, 0.5))


def _particles(rng: np.random.Generator, count: int, width: int, height: int) -> dict:
    """Positions (px), distances (m, uniform in inverse depth) and spare uniforms."""
    inverse = rng.uniform(1.0 / _FAR_M, 1.0 / _NEAR_M, size=count)
    return {
        "x": rng.uniform(0, width, size=count),
        "y": rng.uniform(0, height, size=count),
        "z": 1.0 / inverse,
        "u": rng.random(count),
    }


def _layered(
    image: np.ndarray,
    distance: np.ndarray,
    particles: dict,
    draw_layer,
    colour: np.ndarray,
    veil: float,
) -> np.ndarray:
    """Composite particles drawn per depth layer (far to near) where the scene lies behind."""
    height, width = image.shape[:2]
    linear = to_linear(image)
    edges = np.geomspace(_NEAR_M, _FAR_M, _LAYERS + 1)
    layer_of = np.clip(np.searchsorted(edges, particles["z"]) - 1, 0, _LAYERS - 1)
    for layer in range(_LAYERS - 1, -1, -1):
        chosen = np.flatnonzero(layer_of == layer)
        if chosen.size == 0:
            continue
        canvas = Image.new("L", (width, height), 0)
        middle = float(np.sqrt(edges[layer] * edges[layer + 1]))
        blur = draw_layer(ImageDraw.Draw(canvas), chosen, middle)
        if blur > 0:
            canvas = canvas.filter(ImageFilter.GaussianBlur(blur))
        alpha = np.asarray(canvas, dtype=np.float64) / 255.0
        alpha *= distance > edges[layer]
        linear = linear * (1 - alpha[..., None]) + colour * alpha[..., None]
    return linear * (1 - veil) + colour * veil


def rain(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
) -> Degraded:
    """Falling drops smeared into streaks by the exposure: length ``f * fall / z``, slanted by
    a common wind angle; semi-transparent, bright, hidden behind nearer surfaces."""
    image = check_image(image)
    distance = check_depth(depth, image)
    height, width = image.shape[:2]
    most = int(np.ceil(RAIN_DENSITY[-1] * width * height / 1e4))
    count = int(np.ceil(by_severity(RAIN_DENSITY, severity) * width * height / 1e4))
    opacity = by_severity(RAIN_OPACITY, severity)
    veil = by_severity(WEATHER_VEIL, severity)
    wind = float(rng.uniform(-0.35, 0.35))
    drops = _particles(rng, most, width, height)
    drops = {key: value[:count] for key, value in drops.items()}
    focal = float(frame.K[0, 0]) * width / frame.width
    dx, dy = np.sin(wind), np.cos(wind)

    def streaks(draw: ImageDraw.ImageDraw, chosen: np.ndarray, z: float) -> float:
        length = focal * RAIN_FALL_M / z
        thickness = max(1, round(focal * RAIN_DROP_M / z))
        shade = round(255 * opacity)
        for i in chosen:
            x, y = drops["x"][i], drops["y"][i]
            scale = 0.7 + 0.6 * drops["u"][i]
            end = (x + dx * length * scale, y + dy * length * scale)
            draw.line([(x, y), end], fill=shade, width=thickness)
        return 0.5 * thickness

    colour = np.full(3, 0.8)
    out = _layered(image, distance, drops, streaks, colour, veil)
    params = {
        "streaks": count,
        "opacity": opacity,
        "wind_rad": wind,
        "veil": veil,
        "fall_m": RAIN_FALL_M,
    }
    return Degraded(image=to_display(out), params=params)


def snow(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
) -> Degraded:
    """Snowflakes as soft white discs of radius ``f * size / z``: near flakes large and
    blurred, far ones small, each hidden behind nearer surfaces."""
    image = check_image(image)
    distance = check_depth(depth, image)
    height, width = image.shape[:2]
    most = int(np.ceil(SNOW_DENSITY[-1] * width * height / 1e4))
    count = int(np.ceil(by_severity(SNOW_DENSITY, severity) * width * height / 1e4))
    veil = by_severity(WEATHER_VEIL, severity)
    flakes = _particles(rng, most, width, height)
    flakes = {key: value[:count] for key, value in flakes.items()}
    focal = float(frame.K[0, 0]) * width / frame.width

    def discs(draw: ImageDraw.ImageDraw, chosen: np.ndarray, z: float) -> float:
        shade = round(255 * SNOW_OPACITY)
        base = focal * SNOW_FLAKE_M / z
        for i in chosen:
            radius = max(0.6, base * (0.6 + 0.8 * flakes["u"][i]))
            x, y = flakes["x"][i], flakes["y"][i]
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=shade)
        return 0.3 * base

    colour = np.full(3, 0.95)
    out = _layered(image, distance, flakes, discs, colour, veil)
    params = {"flakes": count, "opacity": SNOW_OPACITY, "veil": veil}
    return Degraded(image=to_display(out), params=params)


def water_droplets(
    image: np.ndarray,
    depth: np.ndarray | None,
    frame: Frame,
    severity: int,
    *,
    rng: np.random.Generator,
) -> Degraded:
    """Drops on the lens, each a small convex lens: inside a drop of radius R centred at c the
    pixel at c + d shows the scene at ``c - d * (1 + 4 strength) / (1 - 0.5 (|d| / R)^2)``
    (flipped, a wider patch, stretched towards the rim), blurred since the drop is out of
    focus, and darkened at the rim where light leaves the drop at grazing angles."""
    image = check_image(image)
    height, width = image.shape[:2]
    most = DROP_COUNTS[-1]
    count = by_severity(DROP_COUNTS, severity)
    short = min(width, height)
    low, high = by_severity(DROP_RADII, severity)
    s_low, s_high = by_severity(DROP_STRENGTHS, severity)
    centres = rng.uniform([0, 0], [width, height], size=(most, 2))[:count]
    radii = (low + (high - low) * rng.random(most))[:count] * short / 10.0
    strengths = (s_low + (s_high - s_low) * rng.random(most))[:count]
    linear = to_linear(image)
    soft = np.stack(
        [ndimage.gaussian_filter(linear[..., c], sigma=max(1.0, short / 200)) for c in range(3)],
        axis=-1,
    )
    v, u = np.mgrid[0:height, 0:width].astype(np.float64)
    out = linear.copy()
    for (cx, cy), radius, strength in zip(centres, radii, strengths, strict=True):
        x0, x1 = max(0, int(cx - radius) - 1), min(width, int(cx + radius) + 2)
        y0, y1 = max(0, int(cy - radius) - 1), min(height, int(cy + radius) + 2)
        du, dv = u[y0:y1, x0:x1] - cx, v[y0:y1, x0:x1] - cy
        rho = np.hypot(du, dv) / radius
        inside = rho < 1.0
        if not inside.any():
            continue
        zoom = (1 + 4 * strength) / (1 - 0.5 * np.minimum(rho, 1.0) ** 2)
        grid = np.stack([cx - du * zoom, cy - dv * zoom], axis=-1)
        grid[..., 0] = np.clip(grid[..., 0], 0, width - 1)
        grid[..., 1] = np.clip(grid[..., 1], 0, height - 1)
        seen = resample(soft, grid, order=1)
        shade = (1.0 - 0.5 * rho**4)[..., None]
        edge = np.clip((1.0 - rho) * radius, 0.0, 1.0)[..., None]  # anti-aliased rim
        patch = out[y0:y1, x0:x1]
        out[y0:y1, x0:x1] = np.where(
            inside[..., None], patch * (1 - edge) + seen * shade * edge, patch
        )
    params = {
        "drops": [
            [float(x), float(y), float(r), float(s)]
            for (x, y), r, s in zip(centres, radii, strengths, strict=True)
        ],
        "drop_fields": ["x_px", "y_px", "radius_px", "strength"],
    }
    return Degraded(image=to_display(out), params=params)
