"""Cameras follow OpenCV axes: x right, y down, z forward; K centred on the image; a pixel's
ray goes through its centre."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from spatialqa.errors import SceneError
from spatialqa.scenes.camera import intrinsics, look_at, pixel_rays
from spatialqa.scenes.scene import Frame


def frame_at(eye, target, hfov=80.0):
    return Frame("f", 0.0, look_at(eye, target), intrinsics(640, 480, hfov), 640, 480)


def test_point_straight_ahead_projects_to_the_image_centre():
    frame = frame_at([1.0, 2.0, 1.5], [4.0, 6.0, 1.5])
    uv, z = frame.project(np.array([[2.5, 4.0, 1.5]]))
    np.testing.assert_allclose(uv[0], [320.0, 240.0], atol=1e-9)
    assert z[0] == pytest.approx(2.5)


def test_camera_right_projects_right_and_world_up_projects_up():
    # Looking along +x with z up, the camera's right is world -y.
    frame = frame_at([0.0, 0.0, 1.5], [5.0, 0.0, 1.5])
    uv, z = frame.project(np.array([[5.0, -1.0, 1.5], [5.0, 0.0, 2.5], [5.0, 0.0, 1.5]]))
    assert np.all(z > 0)
    assert uv[0, 0] > 320.0
    assert uv[1, 1] < uv[2, 1]
    np.testing.assert_allclose(frame.pose[:3, 0], [0.0, -1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(frame.pose[:3, 1], [0.0, 0.0, -1.0], atol=1e-12)


def test_points_behind_the_camera_have_negative_depth():
    frame = frame_at([0.0, 0.0, 1.5], [5.0, 0.0, 1.5])
    _, z = frame.project(np.array([[-1.0, 0.0, 1.5]]))
    assert z[0] < 0


coordinate = st.floats(-10.0, 10.0, allow_nan=False)
point = st.tuples(coordinate, coordinate, coordinate)


@given(eye=point, target=point)
def test_look_at_is_a_proper_rotation_that_centres_its_target(eye, target):
    assume(math.hypot(target[0] - eye[0], target[1] - eye[1]) > 1e-3)
    pose = look_at(eye, target)
    rotation = pose[:3, :3]
    np.testing.assert_allclose(rotation.T @ rotation, np.eye(3), atol=1e-9)
    assert np.linalg.det(rotation) == pytest.approx(1.0)
    assert pose[2, 0] == pytest.approx(0.0, abs=1e-12)  # no roll: the x axis stays level
    uv, z = Frame("f", 0.0, pose, intrinsics(640, 480, 75.0), 640, 480).project(np.array([target]))
    np.testing.assert_allclose(uv[0], [320.0, 240.0], atol=1e-6)
    assert z[0] > 0


def test_look_at_refuses_an_undefined_roll():
    with pytest.raises(SceneError, match="coincide"):
        look_at([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    with pytest.raises(SceneError, match="parallel"):
        look_at([1.0, 1.0, 1.0], [1.0, 1.0, 3.0])


def test_intrinsics_put_the_field_of_view_edge_on_the_image_edge():
    K = intrinsics(640, 480, 90.0)
    np.testing.assert_allclose(K, [[320.0, 0.0, 320.0], [0.0, 320.0, 240.0], [0.0, 0.0, 1.0]])
    frame = frame_at([0.0, 0.0, 0.0], [0.0, 1.0, 0.0], hfov=70.0)
    half = math.radians(35.0)
    # Right of a camera looking along +y is +x: the ray at hfov/2 lands on u = width.
    uv, _ = frame.project(np.array([[math.tan(half), 1.0, 0.0], [-math.tan(half), 1.0, 0.0]]))
    np.testing.assert_allclose(uv[:, 0], [640.0, 0.0], atol=1e-9)


@pytest.mark.parametrize(
    ("width", "height", "hfov"), [(0, 480, 60.0), (640, 480.5, 60.0), (640, 480, 180.0)]
)
def test_intrinsics_reject_bad_arguments(width, height, hfov):
    with pytest.raises(SceneError, match="intrinsics"):
        intrinsics(width, height, hfov)


def test_pixel_rays_go_through_pixel_centres(scene_kit):
    frame = scene_kit.frame("f", scene_kit.look_at((0, 0, 0), (0, 1, 0)), width=4, height=2)
    rays = pixel_rays(frame).astype(np.float64)
    assert rays.shape == (8, 6)
    # Ray 5 = pixel (u, v) = (1, 1), centred at (1, 1); principal point ((4 - 1) / 2,
    # (2 - 1) / 2) = (1.5, 0.5): camera direction ((1 - 1.5) / 500, (1 - 0.5) / 500, 1) ->
    # world (x, y, z) = (-0.001, 1, -0.001).
    assert rays[5, 3:] == pytest.approx([-0.001, 1.0, -0.001], abs=1e-7)
    assert rays[:, :3] == pytest.approx(0.0)


def test_padded_rays_continue_the_pixel_grid(scene_kit):
    frame = scene_kit.frame("f", scene_kit.look_at((0, 0, 0), (0, 1, 0)), width=4, height=2)
    rays = pixel_rays(frame, np.array([1, -3]), np.array([1, 0]))
    assert rays[0] == pytest.approx(pixel_rays(frame)[5])
    # Pixel (-3, 0), beyond the left border, through K^-1 [-3, 0, 1] like any other pixel.
    assert rays[1, 3:] == pytest.approx([(-3 - 1.5) / 500, 1.0, -(0 - 0.5) / 500], abs=1e-7)
