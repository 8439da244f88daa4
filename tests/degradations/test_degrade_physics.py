"""Each degradation does what its physics says, checked against the formula on simple inputs."""

from __future__ import annotations

import degrade_kit as kit
import numpy as np
import pytest

from spatialqa.degradations import (
    RaycastRenderer,
    colour_shift,
    defocus,
    haze,
    lens_distortion,
    low_light,
    low_resolution,
    motion_blur,
    over_exposure,
    rain,
    snow,
    water_droplets,
)
from spatialqa.degradations.base import to_display, to_linear

FRAME = kit.make_frame()
H, W = kit.HEIGHT, kit.WIDTH


def grey(level: int) -> np.ndarray:
    return np.full((H, W, 3), level, dtype=np.uint8)


def split_depth(left: float, right: float) -> np.ndarray:
    depth = np.full((H, W), left, dtype=np.float32)
    depth[:, W // 2 :] = right
    return depth


def texture(seed: int = 0) -> np.ndarray:
    """Fine random texture: blur shows as lost gradient energy."""
    return np.random.default_rng(seed).integers(0, 256, size=(H, W, 3), dtype=np.uint8)


def test_haze_follows_koschmieder_per_pixel_depth():
    image, depth = grey(100), split_depth(1.0, 6.0)
    result = haze(image, depth, FRAME, 5, rng=np.random.default_rng(0))
    beta, airlight = result.params["beta_per_m"], np.array(result.params["airlight"])
    assert beta == pytest.approx(result.params["density"] / 10) and 0.35 <= beta <= 0.6
    for distance, column in ((1.0, 0), (6.0, W - 1)):
        t = np.exp(-beta * distance)
        expected = to_display(to_linear(grey(100)[:1, :1]) * t + airlight * (1 - t))[0, 0]
        assert np.abs(result.image[H // 2, column].astype(int) - expected).max() <= 1
    near, far = result.image[:, : W // 2], result.image[:, W // 2 :]
    lifted = to_display(np.broadcast_to(airlight, (1, 1, 3)))[0, 0]
    assert np.abs(far.astype(int) - lifted).mean() < np.abs(near.astype(int) - lifted).mean()


def test_haze_leaves_only_airlight_where_nothing_was_drawn():
    result = haze(grey(30), np.zeros((H, W), np.float32), FRAME, 1, rng=np.random.default_rng(0))
    airlight = np.array(result.params["airlight"])
    assert np.array_equal(result.image[0, 0], to_display(airlight[None, None])[0, 0])


@pytest.mark.parametrize("seed", range(4))
def test_defocus_blurs_by_distance_from_the_focus(seed):
    depth = split_depth(1.0, 6.0)
    result = defocus(texture(seed), depth, FRAME, 4, rng=np.random.default_rng(seed))
    focus = result.params["focus_m"]
    coc = [100.0 * result.params["aperture_mm"] / 1000 * abs(1 / d - 1 / focus) for d in (1.0, 6.0)]
    assert result.params["max_coc_px"] == pytest.approx(max(coc))
    sharpness = [
        kit.gradient_energy(result.image[:, 8 : W // 2 - 8]),
        kit.gradient_energy(result.image[:, W // 2 + 8 : -8]),
    ]
    blurrier = int(np.argmax(coc))
    assert sharpness[blurrier] < sharpness[1 - blurrier]


def test_defocus_keeps_the_focus_plane_sharp():
    rng = np.random.default_rng(3)
    focus = float(np.random.default_rng(3).uniform(1.0, 8.0))
    image = texture()
    result = defocus(image, np.full((H, W), focus, np.float32), FRAME, 5, rng=rng)
    assert result.params["focus_m"] == focus
    assert np.abs(result.image.astype(int) - image).max() <= 1


def test_low_light_is_dark_and_shot_noise_limited():
    image = grey(180)
    results = [low_light(image, None, FRAME, s, rng=np.random.default_rng(0)) for s in (1, 5)]
    for result in results:
        p = result.params
        expected_linear = to_linear(image[:1, :1])[0, 0, 0] * p["exposure"] * p["gain"]
        measured = to_linear(result.image).mean()
        assert measured == pytest.approx(expected_linear, rel=0.1)
        assert p["gain"] == pytest.approx(p["exposure"] ** -0.5)
    assert 0.003 <= results[1].params["exposure"] <= 0.005
    # Relative noise grows as photons get fewer: SNR ~ sqrt(electrons).
    snr = [to_linear(r.image).mean() / to_linear(r.image).std() for r in results]
    assert snr[1] < snr[0] / 3


def test_over_exposure_scales_linear_light_and_clips():
    result = over_exposure(grey(60), None, FRAME, 3, rng=np.random.default_rng(0))
    exposure = result.params["exposure"]
    expected = to_display(np.clip(to_linear(grey(60)[:1, :1]) * exposure, 0, 1))[0, 0]
    assert np.array_equal(result.image[0, 0], expected)
    white = over_exposure(grey(200), None, FRAME, 5, rng=np.random.default_rng(0))
    assert (white.image == 255).all()


def test_colour_shift_is_a_white_balance_gain_per_channel():
    result = colour_shift(grey(128), None, FRAME, 5, rng=np.random.default_rng(0))
    gains = np.array(result.params["gains"])
    assert np.prod(gains) == pytest.approx(1.0)
    assert np.log(gains).max() - np.log(gains).min() > 0.8
    expected = to_display(to_linear(grey(128)[:1, :1]) * gains)[0, 0]
    assert np.array_equal(result.image[0, 0], expected)


def test_low_resolution_keeps_flat_regions_and_records_the_small_size():
    image = grey(90)
    image[:, : W // 2] = 200
    result = low_resolution(image, None, FRAME, 3, rng=np.random.default_rng(0))
    scale = result.params["scale"]
    assert 0.1 <= scale <= 0.15
    assert (result.params["width"], result.params["height"]) == (round(W * scale), round(H * scale))
    assert (result.image[:, :10] == 200).all() and (result.image[:, -10:] == 90).all()


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


def test_lens_distortion_fixes_the_principal_point_and_inverts():
    image = texture()
    result = lens_distortion(image, None, FRAME, 5, rng=np.random.default_rng(0))
    k1, k2 = result.params["k1"], result.params["k2"]
    assert -0.25 <= k1 <= -0.23 and 1e-4 <= k2 <= 3e-4
    transform = result.transform
    assert np.allclose(transform.points([[80.0, 60.0]]), [[80.0, 60.0]])
    # A hand-worked point: normalised (0.5, 0.25), r^2 = 0.3125.
    factor = 1 + k1 * 0.3125 + k2 * 0.3125**2
    assert np.allclose(transform.points([[130.0, 85.0]]), [[80 + 50 * factor, 60 + 25 * factor]])
    grid = np.column_stack([np.linspace(30, 130, 31), np.linspace(20, 100, 31)])  # r_d < 0.64
    assert np.allclose(transform.forward(transform.inverse(grid)), grid, atol=1e-3)
    assert np.array_equal(result.image[60, 80], image[60, 80])
    # Barrel distortion reaches r_d = 0.79 at most (k1 = -0.24): the corners (r_d = 1) have no
    # source pixel and stay black.
    assert np.isnan(transform.inverse(np.array([[0.0, 0.0]]))).all()
    assert (result.image[0, 0] == 0).all()


class CountingRender:
    def __init__(self, renderer: RaycastRenderer) -> None:
        self.renderer, self.frames, self.images = renderer, [], []

    def __call__(self, frame):
        self.frames.append(frame)
        view = self.renderer.render(frame)
        self.images.append(view.rgb)
        return view


def test_motion_blur_renders_the_ends_of_a_centred_path():
    """Two sub-frames are rendered, the first and the last of the exposure; the path between
    them is straight, turns steadily and is centred on the frame's pose."""
    renderer = RaycastRenderer(kit.make_scene())
    view = renderer.render(FRAME)
    render = CountingRender(renderer)
    result = motion_blur(
        view.rgb, view.depth, FRAME, 4, rng=np.random.default_rng(0), render=render
    )
    p = result.params
    n = p["substeps"]
    assert len(render.frames) == p["rendered_substeps"] == 2 and n >= 4
    centres = np.array([f.center for f in render.frames])
    assert np.allclose(centres.mean(axis=0), FRAME.center)  # the path is centred on the pose
    travel = np.linalg.norm(centres[-1] - centres[0])
    assert travel == pytest.approx(p["translation_m"] * (n - 1) / n)
    turn = render.frames[0].pose[:3, :3].T @ render.frames[-1].pose[:3, :3]
    angle = np.arccos(np.clip((np.trace(turn) - 1) / 2, -1, 1))
    assert angle == pytest.approx(p["rotation_rad"] * (n - 1) / n)
    for image in [view.rgb, *render.images]:
        assert not np.array_equal(result.image, image)
