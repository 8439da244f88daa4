"""What surfaces look like, the same for every renderer backend: a colour and a pattern.

Each object gets its own colour (``SceneObject.color``, else one from a palette by a stable
hash) and one of a few procedural patterns, so that objects of one category stay
distinguishable. A pattern modulates the colour in linear light as a function of texture
coordinates taken from the world position (a triplanar projection: the two world axes across
the face's dominant normal axis, one tile per ``TILE_M``), so it needs no UVs from the scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spatialqa.scenes import SceneObject, Structure
from spatialqa.seeding import stable_seed

TILE_M = 0.25
"""Period of every pattern on a surface, metres."""
TEXTURE_PX = 64
"""Texels per period in the pyrender backend's texture images."""
PATTERNS = ("plain", "stripes", "checker", "dots")
STRUCTURE_PATTERNS = {"floor": "tiles"}
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
    """A colour (sRGB bytes, used as linear base colour like glTF's baseColorFactor) and the
    name of the pattern that modulates it."""

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


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """Linear 0..1 -> sRGB bytes (the exact curve that pyrender's shader decodes textures with)."""
    linear = np.clip(linear, 0.0, 1.0)
    srgb = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return np.rint(255 * srgb).astype(np.uint8)


def srgb_decode(data: np.ndarray) -> np.ndarray:
    """sRGB bytes -> linear 0..1 (what the shader sees of a texture)."""
    srgb = data.astype(np.float64) / 255.0
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def texture_image(name: str) -> np.ndarray:
    """One period of pattern ``name`` as (TEXTURE_PX, TEXTURE_PX, 3) sRGB bytes; row j, column
    i holds texture coordinates ((i + 0.5) / N, (j + 0.5) / N)."""
    centres = (np.arange(TEXTURE_PX) + 0.5) / TEXTURE_PX
    u, v = np.meshgrid(centres, centres)
    values = pattern(name, np.column_stack([u.ravel(), v.ravel()]))
    grey = srgb_encode(values).reshape(TEXTURE_PX, TEXTURE_PX)
    return np.repeat(grey[..., None], 3, axis=2)


def texture_lookup(name: str, uv: np.ndarray) -> np.ndarray:
    """The modulation a backend that samples ``texture_image`` sees: the pattern through the
    texture's 8-bit sRGB quantisation (so that both backends agree to the byte level)."""
    return srgb_decode(srgb_encode(pattern(name, uv)))
