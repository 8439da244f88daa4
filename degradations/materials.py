"""What surfaces look like, the same for every renderer backend: a colour and a pattern.

Each object gets its own colour (``SceneObject.color``, else one from a palette by a stable
hash) and one of a few procedural patterns, so that objects of one category stay
distinguishable. A pattern modulates the colour in linear light as a function of texture
coordinates taken from the world position (a triplanar projection: the two world axes across
the face's dominant normal axis, one tile per ``TILE_M``), so it needs no UVs from the scene.

Light is one fixed key light plus an ambient term, Lambert only, so a face's shade does not
depend on the view: ``shade`` gives it once per face (the rasteriser bakes it into vertex
colours, the ray caster applies it per pixel) and the pattern then scales it per pixel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spatialqa.scenes import SceneObject, Structure
from spatialqa.seeding import stable_seed

TILE_M = 0.25
"""Period of every pattern on a surface, metres."""
TEXTURE_PX = 64
"""Texels per period in the rasterising backend's pattern textures."""
AMBIENT = 0.55
"""Light reflected from every direction, as a share of the albedo."""
KEY_LIGHT = 0.764
"""Light reflected by a surface facing the key light squarely, beyond the ambient term, as a
share of the albedo."""
KEY_LIGHT_DIRECTION = (0.35, 0.2, -1.0)
"""Where the key light shines: mostly down and a little sideways, so that the faces of an
axis-aligned box differ."""
GAMMA = 2.2
"""Display gamma: the delivered byte is ``255 * linear ** (1 / GAMMA)``."""
PATTERNS = ("plain", "stripes", "checker", "dots")
STRUCTURE_PATTERNS = {"floor": "tiles"}
ALL_PATTERNS = (*PATTERNS, *sorted(set(STRUCTURE_PATTERNS.values())))
"""Every pattern a surface can have, in a fixed order (the backends index them by it)."""
PALETTE = (
    (200, 60, 50),
    (60, 130, 200),
    (70, 170, 90),
    (220, 170, 50),
    (150, 90, 180),
    (40, 170, 170),
    (230, 120, 40),
    (120, 120, 120),
)
STRUCTURE_COLORS = {"floor": (140, 110, 85), "wall": (205, 200, 190), "ceiling": (235, 235, 230)}
OTHER_STRUCTURE_COLOR = (180, 180, 175)


@dataclass(frozen=True)
class Material:
    """A colour (bytes; ``color / 255`` is the linear albedo) and the name of the pattern that
    modulates it."""

    color: tuple[int, int, int]
    pattern: str


def object_material(obj: SceneObject) -> Material:
    """The object's own colour (palette by stable hash when it has none) and its pattern."""
    seed = stable_seed("material", obj.category, obj.id)
    color = obj.color if obj.color is not None else PALETTE[seed % len(PALETTE)]
    return Material(tuple(color), PATTERNS[(seed >> 8) % len(PATTERNS)])


def structure_material(part: Structure) -> Material:
    return Material(
        STRUCTURE_COLORS.get(part.category, OTHER_STRUCTURE_COLOR),
        STRUCTURE_PATTERNS.get(part.category, "plain"),
    )


def pattern(name: str, uv: np.ndarray) -> np.ndarray:
    """Linear modulation in 0.6..1 of pattern ``name`` at (n, 2) texture coordinates (tiles)."""
    u, v = uv[:, 0], uv[:, 1]
    fu, fv = u - np.floor(u), v - np.floor(v)
    if name == "plain":
        return np.ones(len(uv))
    if name == "stripes":
        return 0.8 + 0.2 * np.cos(2 * np.pi * u)
    if name == "checker":
        return 0.82 + 0.18 * np.tanh(6 * np.sin(2 * np.pi * u) * np.sin(2 * np.pi * v))
    if name == "dots":
        return 1.0 - 0.4 * np.exp(-((fu - 0.5) ** 2 + (fv - 0.5) ** 2) / (2 * 0.12**2))
    if name == "tiles":
        gap = np.minimum(np.minimum(fu, 1 - fu), np.minimum(fv, 1 - fv))
        return 1.0 - 0.35 * np.exp(-((gap / 0.03) ** 2))
    raise ValueError(f"pattern: unknown {name!r}")


def triplanar_uv(points: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """(n, 3) world points and their (n, 3) normals -> (n, 2) texture coordinates in tiles."""
    axis = np.argmax(np.abs(normals), axis=1)
    first = np.where(axis == 0, points[:, 1], points[:, 0])
    second = np.where(axis == 2, points[:, 1], points[:, 2])
    return np.column_stack([first, second]) / TILE_M


def shade(albedo: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Linear light that (n, 3) albedos in 0..1 with (n, 3) unit normals reflect: ambient plus
    Lambert's law for the key light; (n, 3) float64. A zero normal gets the ambient term."""
    to_light = -np.asarray(KEY_LIGHT_DIRECTION, dtype=np.float64)
    to_light /= np.linalg.norm(to_light)
    facing = np.clip(np.asarray(normals, dtype=np.float64) @ to_light, 0.0, 1.0)
    return np.asarray(albedo, dtype=np.float64) * (AMBIENT + KEY_LIGHT * facing)[:, None]


def pattern_texture(name: str) -> np.ndarray:
    """One period of pattern ``name`` as (TEXTURE_PX, TEXTURE_PX) float32 linear modulation;
    row j, column i holds texture coordinates ((i + 0.5) / N, (j + 0.5) / N)."""
    centres = (np.arange(TEXTURE_PX) + 0.5) / TEXTURE_PX
    u, v = np.meshgrid(centres, centres)
    values = pattern(name, np.column_stack([u.ravel(), v.ravel()]))
    return values.reshape(TEXTURE_PX, TEXTURE_PX).astype(np.float32)
