"""Frame.resized: OpenCV pixel centres sit at integers, so the image's edges scale."""

from __future__ import annotations

import numpy as np


def test_resized_maps_projections_about_the_image_corner(scene_kit):
    frame = scene_kit.frame("f0", scene_kit.look_at((0, 0, 0), (0, 1, 0)), focal=100.0)
    small = frame.resized(160, 120)  # a quarter of 640 x 480
    points = np.array([[0.3, 5.0, -0.2], [-1.0, 4.0, 0.5]])
    uv, _ = frame.project(points)
    uv_small, _ = small.project(points)
    assert np.allclose(uv_small, (uv + 0.5) / 4 - 0.5)
    # The principal point at the centre of 640 x 480, (319.5, 239.5), stays the centre.
    assert np.allclose(small.K, [[25.0, 0.0, 79.5], [0.0, 25.0, 59.5], [0.0, 0.0, 1.0]])
    assert (small.width, small.height) == (160, 120)
    assert frame.resized(640, 480) is frame


def test_scene_resized_resizes_every_frame_of_every_trajectory(scene_kit):
    frames = [
        scene_kit.frame(f"f{i}", scene_kit.look_at((i, 0, 0), (i, 1, 0)), t=i) for i in (0, 1)
    ]
    scene = scene_kit.scene([scene_kit.Box(1, "box", (0, 5, 0))], frames=frames)
    small = scene.resized(160, 120)
    assert [t.name for t in small.trajectories] == [t.name for t in scene.trajectories]
    for before, after in zip(
        scene.trajectories[0].frames, small.trajectories[0].frames, strict=True
    ):
        assert (after.id, after.t, after.width, after.height) == (before.id, before.t, 160, 120)
        assert np.array_equal(after.pose, before.pose)
        assert np.allclose(after.K, before.resized(160, 120).K)
    assert small.objects == scene.objects and scene.frame("f0").width == 640
