"""Motion blur by reprojection, defocus by depth layers, haze and lens distortion: each checked
against a second, independent computation (real sub-frame renders, box filters, circles worked
out on paper) or against its formula on simple inputs."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
import room_kit as kit
from room_kit import grey, split_depth, texture

from spatialqa.degradations import (
    RaycastRenderer,
    RenderedFrame,
    defocus,
    haze,
    lens_distortion,
    motion_blur,
)
from spatialqa.degradations.base import to_display, to_linear
from spatialqa.degradations.optics import (
    CameraPath,
    disc_blur,
    exposure,
    layer_radii,
    substep_times,
)

FRAME = kit.make_frame()  # 160 x 120, f = 100 px, principal point at the centre
H, W = kit.HEIGHT, kit.WIDTH


class Supersampled:
    """Renders a frame at 3 x 3 samples per pixel, averaged in linear light: the kit room's
    point-sampled textures alias, and an aliased image cannot be resampled faithfully (each
    real render samples the texture afresh), which would hide the reprojection's own error."""

    def __init__(self, renderer: RaycastRenderer, samples: int = 3) -> None:
        self.renderer, self.samples = renderer, samples

    def __call__(self, frame) -> RenderedFrame:
        n = self.samples
        fine = to_linear(self.renderer.render_rgb(frame.resized(frame.width * n, frame.height * n)))
        rgb = to_display(fine.reshape(frame.height, n, frame.width, n, 3).mean(axis=(1, 3)))
        view = self.renderer.render(frame)
        return RenderedFrame(rgb=rgb, depth=view.depth, instance=view.instance)


def rendered_mean(render, frame, path: CameraPath, substeps: int) -> np.ndarray:
    """The reference: every sub-frame rendered, averaged in linear light."""
    images = [
        to_linear(render(dataclasses.replace(frame, pose=frame.pose @ path.motion(s))).rgb)
        for s in substep_times(substeps)
    ]
    return to_display(np.mean(images, axis=0))


class PlaneRender:
    """A textured plane facing the camera at ``depth`` metres, rendered for any sub-frame that
    moved sideways by a whole number of pixels: pixel u shows the frame's column u + shift."""

    def __init__(self, depth: float, pad: int = 64, seed: int = 0) -> None:
        self.depth, self.pad = depth, pad
        rng = np.random.default_rng(seed)
        self.wide = rng.integers(0, 256, size=(H, W + 2 * pad, 3), dtype=np.uint8)
        self.calls = 0

    def shifted(self, shift: int) -> np.ndarray:
        return self.wide[:, self.pad + shift : self.pad + shift + W]

    def __call__(self, frame) -> RenderedFrame:
        self.calls += 1
        moved = np.linalg.inv(FRAME.pose) @ frame.pose  # sub-frame camera in the frame's axes
        assert np.allclose(moved[:3, :3], np.eye(3)) and np.allclose(moved[1:3, 3], 0)
        shift = FRAME.K[0, 0] * moved[0, 3] / self.depth
        assert shift == pytest.approx(round(shift), abs=1e-6)
        image = self.shifted(round(shift))
        return RenderedFrame(
            image, np.full((H, W), self.depth, np.float32), np.zeros((H, W), np.int32)
        )


def test_a_plane_moving_sideways_is_blurred_by_a_box_of_the_travel_length():
    """Travel on paper: f * t / Z = 100 px * 0.64 m / 2 m = 32 px over the exposure; 8
    sub-frames sit at (k + 1/2) / 8 - 1/2 of it, i.e. shifts -14, -10, ..., 14 px."""
    plane = PlaneRender(depth=2.0)
    path = CameraPath(0.64, 0.0, (1.0, 0.0, 0.0), (0.0, 0.0, 1.0))
    depth = np.full((H, W), 2.0, np.float32)
    centre = plane.shifted(0)
    blurred = to_display(exposure(centre, depth, FRAME, path, 8, plane))
    shifts = [-14, -10, -6, -2, 2, 6, 10, 14]
    box = to_display(np.mean([to_linear(plane.shifted(s)) for s in shifts], axis=0))
    assert plane.calls == 2  # the path's two ends, for what lies beyond the frame's edges
    assert np.abs(blurred.astype(int) - box).max() <= 1
    # Along the motion only: the rows are not mixed.
    assert np.array_equal(blurred[5], to_display(exposure(centre, depth, FRAME, path, 8, plane))[5])


class BoxOverPlane:
    """A near box (depth 1 m, frame columns 40-119) in front of a textured far plane (2 m),
    rendered for sub-frames that moved sideways: pixel u shows the box's column
    u + f t / 1 m where that lies on the box, else the plane's column u + f t / 2 m. Smooth
    textures (noise blurred by 1.5 px, as a render's filtered textures are)."""

    NEAR, FAR, LEFT, RIGHT, PAD = 1.0, 2.0, 40, 120, 80

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        noise = rng.integers(0, 256, size=(2, H, W + 2 * self.PAD, 3)).astype(np.float32)
        smooth = [cv2.GaussianBlur(layer, (0, 0), 1.5) for layer in noise]
        self.far = np.clip(128 + (smooth[0] - 128) * 4, 0, 255).astype(np.uint8)
        self.near = np.clip(170 + (smooth[1] - 128) * 2, 0, 255).astype(np.uint8)

    def shifts(self, frame) -> tuple[int, int]:
        moved = np.linalg.inv(FRAME.pose) @ frame.pose
        assert np.allclose(moved[:3, :3], np.eye(3)) and np.allclose(moved[1:3, 3], 0)
        shifts = [FRAME.K[0, 0] * moved[0, 3] / z for z in (self.FAR, self.NEAR)]
        assert shifts == pytest.approx(np.round(shifts), abs=1e-6)
        return round(shifts[0]), round(shifts[1])

    def on_box(self, frame) -> np.ndarray:
        columns = np.arange(W) + self.shifts(frame)[1]
        return (columns >= self.LEFT) & (columns < self.RIGHT)

    def __call__(self, frame) -> RenderedFrame:
        far, near = (self.PAD + shift for shift in self.shifts(frame))
        box = self.on_box(frame)
        rgb = np.where(
            box[None, :, None], self.near[:, near : near + W], self.far[:, far : far + W]
        )
        depth = np.broadcast_to(np.where(box, self.NEAR, self.FAR).astype(np.float32), (H, W))
        return RenderedFrame(rgb, depth, np.zeros((H, W), np.int32))


def test_what_the_frame_hides_behind_a_near_box_comes_from_the_rendered_ends():
    """The camera moves 0.64 m sideways: the box travels 64 px, the plane 32 px. Columns
    where a sub-frame shows the plane and the frame shows the box (the disoccluded band)
    can only come from the ends' views; there the reprojection stays close to 16 real
    sub-frame renders. Before the ends were reprojected with their depth, each sub-frame
    showed the box's texture stretched over the band: about 0.3 of the band's change."""
    scene = BoxOverPlane()
    path = CameraPath(0.64, 0.0, (1.0, 0.0, 0.0), (0.0, 0.0, 1.0))
    subs = [dataclasses.replace(FRAME, pose=FRAME.pose @ path.motion(s)) for s in substep_times(16)]
    view = scene(FRAME)
    reference = rendered_mean(scene, FRAME, path, 16)
    blurred = to_display(exposure(view.rgb, view.depth, FRAME, path, 16, scene))
    band = np.zeros(W, bool)
    for sub in subs:
        band |= ~scene.on_box(sub) & scene.on_box(FRAME)
    assert band.sum() == 60  # the box moves 30 px to either end (15 / 32 of 64 px)
    error = np.abs(blurred.astype(int) - reference)[:, band]
    change = np.abs(reference.astype(int) - view.rgb)[:, band].mean()
    assert change > 15  # the band changes a lot: box and plane differ
    assert error.mean() < 0.2 * change and np.percentile(error, 90) < 0.5 * change
    # The plane's own texture shows through: the blurred band follows the reference's.
    assert np.corrcoef(blurred[:, band].ravel(), reference[:, band].ravel())[0, 1] > 0.9
    assert np.abs(blurred.astype(int) - reference).mean() < 0.15 * change


def test_motion_blur_asks_its_render_callback_for_depth():
    plane = PlaneRender(depth=2.0)
    path = CameraPath(0.64, 0.0, (1.0, 0.0, 0.0), (0.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="render: must return a RenderedFrame with rgb and depth"):
        exposure(
            plane.shifted(0), np.full((H, W), 2.0), FRAME, path, 8, lambda frame: plane(frame).rgb
        )


def test_a_turning_camera_matches_its_rendered_sub_frames():
    """A turn reprojects exactly whatever the depth: only the frame's edges (filled from the
    two rendered ends), the path's slight bow and the resampling may differ from 16 real
    renders."""
    renderer = RaycastRenderer(kit.make_scene())
    render = Supersampled(renderer)
    clean, depth = render(FRAME).rgb, renderer.render(FRAME).depth
    axis = np.array([0.3, 1.0, 0.2]) / np.linalg.norm([0.3, 1.0, 0.2])
    path = CameraPath(0.0, 0.1, (1.0, 0.0, 0.0), tuple(axis))
    reference = rendered_mean(render, FRAME, path, 16)
    blurred = to_display(exposure(clean, depth, FRAME, path, 16, render))
    error = np.abs(blurred.astype(int) - reference)
    inner = error[8:-8, 8:-8]
    assert inner.mean() < 0.75 and np.percentile(inner, 99) <= 6
    assert error.mean() < 0.75
    # The blur is real (0.1 rad is 10 px at f = 100), and the error a small part of it.
    assert error.mean() < 0.25 * np.abs(reference.astype(int) - clean).mean()


@pytest.mark.parametrize("seed", range(3))
def test_motion_blur_is_close_to_its_rendered_sub_frames(seed):
    """With translation, depth edges open up what the frame does not see (the near box's
    sides, the wall behind it): close on average, worst there."""
    renderer = RaycastRenderer(kit.make_scene())
    render = Supersampled(renderer)
    clean, depth = render(FRAME).rgb, renderer.render(FRAME).depth
    result = motion_blur(clean, depth, FRAME, 5, rng=np.random.default_rng(seed), render=render)
    p = result.params
    path = CameraPath(
        p["translation_m"], p["rotation_rad"], tuple(p["direction"]), tuple(p["axis"])
    )
    reference = rendered_mean(render, FRAME, path, p["substeps"])
    error = np.abs(result.image.astype(int) - reference)
    assert error.mean() < 1.0 and np.percentile(error, 90) <= 3
    assert error.mean() < 0.3 * np.abs(reference.astype(int) - clean).mean()


def test_motion_blur_is_deterministic():
    renderer = RaycastRenderer(kit.make_scene())
    view = renderer.render(FRAME)
    runs = [
        motion_blur(
            view.rgb.copy(),
            view.depth.copy(),
            FRAME,
            5,
            rng=np.random.default_rng(7),
            render=renderer.render,
        )
        for _ in range(2)
    ]
    assert np.array_equal(runs[0].image, runs[1].image)
    assert runs[0].params == runs[1].params
    assert runs[0].params["substeps"] & (runs[0].params["substeps"] - 1) == 0  # a power of two


def test_exposure_refuses_a_substep_count_that_is_not_a_power_of_two():
    plane = PlaneRender(depth=2.0)
    path = CameraPath(0.64, 0.0, (1.0, 0.0, 0.0), (0.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="substeps"):
        exposure(plane.shifted(0), np.full((H, W), 2.0), FRAME, path, 12, plane)


def disc_variance(radius: float) -> float:
    """Per-axis variance of a uniform disc of ``radius``: the integral of x^2 over the disc
    divided by its area, pi R^4 / 4 / (pi R^2) = R^2 / 4."""
    return radius**2 / 4


@pytest.mark.parametrize("radius", [1.0, 2.2, 4.0, 7.5, 13.0, 30.0])
def test_disc_blur_spreads_a_point_by_the_discs_variance(radius):
    """Points at every phase of the coarse grid: their mean spread is the disc's."""
    size = int(8 * radius) + 64
    spreads, masses = [], []
    for phase in range(16):
        image = np.zeros((size, size), np.float32)
        image[size // 2 + phase % 4, size // 2 + phase // 4] = 1.0
        blurred = disc_blur(image, radius)
        rows, columns = np.mgrid[0:size, 0:size]
        mass = blurred.sum()
        cy, cx = (blurred * rows).sum() / mass, (blurred * columns).sum() / mass
        assert (cy, cx) == pytest.approx((size // 2 + phase % 4, size // 2 + phase // 4), abs=0.05)
        spreads.append((blurred * (columns - cx) ** 2).sum() / mass)
        masses.append(mass)
    assert np.mean(spreads) == pytest.approx(disc_variance(radius), rel=0.03)
    assert np.allclose(masses, 1.0, atol=1e-4)
    # A disc, not a Gaussian: nothing reaches past its rim (and the coarse grid's cells).
    assert blurred[size // 2 + 3, size // 2 + 3 + int(radius * 1.5) + 8 :].max() < 1e-6


def test_layers_of_two_planes_sit_at_their_own_radii():
    signed = np.full((40, 40), -0.0, np.float32)
    signed[:, 20:] = 7.3
    signed[:5, :5] = -2.5
    assert layer_radii(signed).tolist() == pytest.approx([-2.5, 0.0, 7.3])


def focus_of(seed: int) -> float:
    """The focus distance defocus draws first from its generator."""
    return float(np.random.default_rng(seed).uniform(1.0, 8.0))


@pytest.mark.parametrize(
    ("severity", "far", "f", "width"), [(3, 10.0, 200.0, 480), (5, 30.0, 600.0, 1200)]
)
def test_defocus_keeps_the_focus_plane_and_blurs_the_far_one_by_its_circle(severity, far, f, width):
    """Two planes: the left half at the focus distance, the right half at ``far`` with bright
    vertical lines. The lines spread as the thin lens says: a circle of confusion of diameter
    f * A * |1 / Z - 1 / F| pixels, whose line spread has the variance R^2 / 4."""
    seed = 11
    focus = focus_of(seed)
    height = 160
    frame = kit.make_frame(f=f, width=width, height=height)
    depth = np.full((height, width), focus, np.float32)
    depth[:, width // 2 :] = far
    image = np.random.default_rng(0).integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    image[:, width // 2 :] = 0
    result = defocus(image, depth, frame, severity, rng=np.random.default_rng(seed))
    p = result.params
    assert p["focus_m"] == focus
    radius = f * p["aperture_mm"] / 1000 * abs(1 / far - 1 / focus) / 2  # on paper
    assert p["max_coc_px"] == pytest.approx(2 * radius)
    assert 1.0 < radius < 40
    reach = radius + max(2, radius / 2.5) + 1  # the circle and the coarse grid's cell
    spacing = int(2 * reach) + 6
    columns = np.arange(width // 2 + spacing, width - spacing, spacing)
    image[:, columns] = 255
    result = defocus(image, depth, frame, severity, rng=np.random.default_rng(seed))
    # The in-focus plane, hiding whatever blur lies behind it, is untouched.
    assert np.abs(result.image[:, : width // 2].astype(int) - image[:, : width // 2]).max() <= 1
    light = to_linear(result.image)[height // 2, :, 0]
    spreads = []
    for column in columns[1:-1]:
        x = np.arange(column - spacing // 2, column + spacing // 2 + 1)
        profile = light[x]
        mass = profile.sum()
        assert mass == pytest.approx(1.0, rel=0.05)  # the line's light, spread, not lost
        spreads.append((profile * (x - column) ** 2).sum() / mass)
        # Nothing beyond the circle (plus the coarse grid's cell).
        assert profile[np.abs(x - column) > reach].max() < 0.01
    assert np.sqrt(4 * np.mean(spreads)) == pytest.approx(radius, rel=0.06)


def test_a_blurred_near_plane_spreads_over_the_sharp_one_behind():
    """Occlusion the right way round: a near plane out of focus bleeds over a sharp far plane
    in focus, while the far plane's texture never bleeds into the near plane's centre."""
    seed = 5
    focus = focus_of(seed)
    frame = kit.make_frame()
    depth = np.full((H, W), focus, np.float32)
    depth[:, : W // 2] = focus / 8  # near, strongly blurred
    image = np.random.default_rng(1).integers(0, 256, size=(H, W, 3), dtype=np.uint8)
    image[:, : W // 2] = 200
    result = defocus(image, depth, frame, 5, rng=np.random.default_rng(seed))
    radius = 100 * result.params["aperture_mm"] / 1000 * abs(8 / focus - 1 / focus) / 2
    assert radius > 4
    edge = W // 2
    # Beside the edge the far plane is veiled by the near one's light...
    veiled = result.image[:, edge + 1 : edge + int(radius) - 1].astype(int)
    assert (
        np.abs(veiled - 200).mean()
        < np.abs(image[:, edge + 1 : edge + int(radius) - 1] - 200).mean()
    )
    # ... beyond the circle it is sharp, and the near plane is flat inside.
    far_away = slice(edge + int(radius) + int(radius / 2.5) + 4, W)
    assert np.abs(result.image[:, far_away].astype(int) - image[:, far_away]).max() <= 1
    inside = slice(4, edge - int(radius) - int(radius / 2.5) - 4)
    assert np.abs(result.image[:, inside].astype(int) - 200).max() <= 1


def test_defocus_is_deterministic():
    image = np.random.default_rng(2).integers(0, 256, size=(H, W, 3), dtype=np.uint8)
    depth = np.random.default_rng(3).uniform(0.5, 9.0, size=(H, W)).astype(np.float32)
    runs = [
        defocus(image.copy(), depth.copy(), FRAME, 5, rng=np.random.default_rng(4))
        for _ in range(2)
    ]
    assert np.array_equal(runs[0].image, runs[1].image) and runs[0].params == runs[1].params


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
