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
