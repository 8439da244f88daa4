"""Rain, snow and drops on the lens, each against what its physics says on simple inputs."""

from __future__ import annotations

import numpy as np
import pytest
import room_kit as kit
from room_kit import texture

from spatialqa.degradations import (
    rain,
    snow,
    water_droplets,
)
from spatialqa.degradations.base import to_display, to_linear

FRAME = kit.make_frame()


H, W = kit.HEIGHT, kit.WIDTH


@pytest.mark.parametrize("kind", [rain, snow])
def test_weather_is_hidden_behind_nearer_surfaces(kind):
    """With every surface nearer than any particle, only the veil of scattered light shows."""
    image = texture()
    wall = np.full((H, W), 0.2, np.float32)  # nearer than the nearest particle (0.3 m)
    result = kind(image, wall, FRAME, 5, rng=np.random.default_rng(0))
    veil = result.params["veil"]
    colour = 0.8 if kind is rain else 0.95
    expected = to_display(to_linear(image) * (1 - veil) + colour * veil)
    assert np.array_equal(result.image, expected)
    open_view = kind(
        image, np.full((H, W), 50.0, np.float32), FRAME, 5, rng=np.random.default_rng(0)
    )
    assert np.abs(open_view.image.astype(int) - expected).sum() > 1000


def test_water_drops_touch_only_their_discs_and_flip_what_they_show():
    rows, columns = np.mgrid[0:H, 0:W]
    image = np.stack([columns * 255 // (W - 1), rows * 255 // (H - 1), np.zeros_like(rows)], -1)
    image = image.astype(np.uint8)
    result = water_droplets(image, None, FRAME, 5, rng=np.random.default_rng(1))
    drops = np.array(result.params["drops"])
    assert len(drops) == 18
    inside = np.zeros((H, W), bool)
    for x, y, r, _ in drops:
        inside |= np.hypot(columns - x, rows - y) < r + 1
    assert np.array_equal(result.image[~inside], image[~inside])
    # Left of a drop's centre it shows what lies right of it: the red ramp runs backwards.
    x, y, r, _ = max(drops, key=lambda d: d[2] if r_fits(d) else 0)
    left = result.image[int(y), int(x - r / 2), 0].astype(int)
    right = result.image[int(y), int(x + r / 2), 0].astype(int)
    assert left > right


def r_fits(drop) -> bool:
    x, y, r, _ = drop
    return r < x < W - r and r < y < H - r
