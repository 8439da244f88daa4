"""Visibility by ray casting, checked against projected areas worked out on paper.

Every camera here sits at the origin looking along +y (image x = world +x, image y = world -z),
f = 500 px, 640 x 480, principal point (320, 240). A square of side s facing the camera at
depth d covers (f s / d)^2 pixels: s = 1 m at d = 5 m is 100 x 100 px, spanning
u in [270, 370] and v in [190, 290] (pixel-centre sampling, edges away from the centres).
"""

import json

import numpy as np
import pytest

from spatialqa.oracle import execute, frame_visibility, instance_mask, visibility
from spatialqa.oracle.visibility import FrameVisibility, pixel_rays


def camera(kit, frame_id="f0", eye=(0.0, 0.0, 0.0), target=(0.0, 1.0, 0.0)):
    return kit.frame(frame_id, kit.look_at(eye, target))


def test_box_alone_in_view_covers_its_analytic_area(scene_kit):
    # Unit cube centred at (0, 5.5, 0): front face at y = 5, depth 5 -> 100 x 100 = 10,000 px.
    # Its sides recede behind the front face's outline, so they add no pixel.
    scene = scene_kit.scene([scene_kit.Box(1, "box", (0, 5.5, 0))], frames=[camera(scene_kit)])
    counts = frame_visibility(scene, "f0")
    assert counts.visible_pixels.tolist() == [10_000]
    assert counts.silhouette_pixels.tolist() == [10_000]
    assert counts.visible_fraction.tolist() == [1.0]
    assert counts.pixels == 640 * 480
    mask = instance_mask(scene, "f0")
    assert mask.shape == (480, 640) and mask.dtype == np.int64
    assert np.array_equal(np.argwhere(mask == 1).min(axis=0), [190, 270])
    assert np.array_equal(np.argwhere(mask == 1).max(axis=0), [289, 369])
    assert set(np.unique(mask).tolist()) == {-2, 1}


def test_box_behind_a_wall_has_no_visible_pixel(scene_kit):
    wall = scene_kit.box_mesh((0, 3, 0), (4, 0.1, 4))  # structure, between camera and box
    scene = scene_kit.scene(
        [scene_kit.Box(1, "box", (0, 5.5, 0))], structure=[wall], frames=[camera(scene_kit)]
    )
    counts = frame_visibility(scene, "f0")
    assert counts.visible_pixels.tolist() == [0]
    assert counts.silhouette_pixels.tolist() == [10_000]
    assert not counts.is_visible().any()
    mask = instance_mask(scene, "f0")
    # The wall's face at depth 2.95 spans 4 m: 678 px wide, wider than the image, and 678 px
    # tall, taller than the image: every pixel sees the wall.
    assert np.all(mask == -1)


def test_box_half_covered_by_a_closer_box(scene_kit):
    # Target: the unit cube at depth 5 (u in [270, 370]). Occluder: x in [-1, 0], y in
    # [2.5, 3], z in [-1, 1]. Its right side x = 0 projects to u = 320 at every depth and its
    # front face covers v in [40, 440], so it hides exactly the target's left 50 columns:
    # 50 x 100 = 5,000 of 10,000 px visible, fraction 0.5. The occluder's front face at depth
    # 2.5 is 200 x 400 px (its other faces project inside it): 80,000 px, all visible.
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [Box(1, "target", (0, 5.5, 0)), Box(2, "occluder", (-0.5, 2.75, 0), (1, 0.5, 2))],
        frames=[camera(scene_kit)],
    )
    counts = frame_visibility(scene, "f0")
    assert counts.visible_pixels.tolist() == [5_000, 80_000]
    assert counts.silhouette_pixels.tolist() == [10_000, 80_000]
    assert counts.visible_fraction.tolist() == [0.5, 1.0]
    fact = visibility(scene, 1, "f0")
    assert fact.value == 0.5
    assert fact.detail == {
        "visible_pixels": 5_000,
        "silhouette_pixels": 10_000,
        "pixels": 307_200,
        "frame_fraction": 5_000 / 307_200,
    }
    program = json.loads(json.dumps(fact.program))
    assert execute(program, scene).value == 0.5


def test_object_at_plus_x_in_camera_coordinates_is_in_the_right_half(scene_kit):
    # Camera at (1, 1, 0) looking along -x: camera +x (right) is world +y.
    Box = scene_kit.Box
    frame = camera(scene_kit, eye=(1, 1, 0), target=(0, 1, 0))
    scene = scene_kit.scene(
        [
            Box(1, "right", (-4, 2.5, 0), (0.5, 0.5, 0.5)),
            Box(2, "left", (-4, -0.5, 0), (0.5, 0.5, 0.5)),
        ],
        frames=[frame],
    )
    assert frame.world_to_camera(np.array([[-4.0, 2.5, 0.0]]))[0, 0] > 0
    mask = instance_mask(scene, "f0")
    columns_right = np.argwhere(mask == 1)[:, 1]
    columns_left = np.argwhere(mask == 2)[:, 1]
    assert len(columns_right) > 0 and columns_right.min() >= 320
    assert len(columns_left) > 0 and columns_left.max() < 320


def test_pixel_rays_go_through_pixel_centres(scene_kit):
    frame = scene_kit.frame("f", scene_kit.look_at((0, 0, 0), (0, 1, 0)), width=4, height=2)
    rays = pixel_rays(frame).astype(np.float64)
    assert rays.shape == (8, 6)
    # Ray 5 = pixel (u, v) = (1, 1): centre (1.5, 1.5); camera direction ((1.5 - 2) / 500,
    # (1.5 - 1) / 500, 1) -> world (x, y, z) = (-0.001, 1, -0.001).
    assert rays[5, 3:] == pytest.approx([-0.001, 1.0, -0.001], abs=1e-7)
    assert rays[:, :3] == pytest.approx(0.0)


def test_is_visible_thresholds():
    counts = FrameVisibility(
        "f",
        np.array([1, 2, 3, 4]),
        visible_pixels=np.array([0, 3, 400, 100]),
        silhouette_pixels=np.array([10, 100, 400_000, 100]),
        pixels=307_200,
    )
    # 0 px: never. 3% of the instance and 0.001% of the frame: no. 0.1% of the instance but
    # 400 / 307,200 = 0.13% of the frame: yes. 100% of the instance: yes.
    assert counts.is_visible(0.05, 0.001).tolist() == [False, False, True, True]
    assert counts.index(3) == 2


def test_frame_visibility_is_cached_per_frame(scene_kit):
    scene = scene_kit.scene([scene_kit.Box(1, "box", (0, 5.5, 0))], frames=[camera(scene_kit)])
    assert frame_visibility(scene, "f0") is frame_visibility(scene, "f0")
