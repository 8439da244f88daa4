"""Facts in a camera's frame, worked out on paper.

The camera sits at the origin looking along +y with z up (``look_at``): camera x (right) is
world +x, camera y (down) is world -z, camera z (forward) is world +y. f = 500 px, 640 x 480,
principal point (320, 240). Boxes are axis-aligned, so their minimal OBB is the box itself.
"""

import math

import numpy as np
import pytest
from camera_kit import camera
from replay_kit import re_executes

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import (
    depth_order,
    ego_relation,
    object_box_2d,
    object_orientation,
    object_point_2d,
)
from spatialqa.scenes import SceneObject


def test_object_at_plus_x_in_an_opencv_camera_is_right(scene_kit):
    # A spans x in [1.5, 2.5], B x in [-2.5, -1.5]: gap 1.5 - (-1.5) = 3 m.
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [Box(1, "a", (2, 5, 0)), Box(2, "b", (-2, 5, 0))], frames=[camera(scene_kit)]
    )
    fact = ego_relation(scene, 1, 2, "f0", axis="x")
    assert fact.value == "right of" and fact.margin == pytest.approx(3.0)
    assert fact.unit == "m" and fact.frame == "camera f0"
    assert ego_relation(scene, 2, 1, "f0").value == "left of"
    re_executes(fact, scene, detail=True)


def test_right_follows_the_camera_not_the_world(scene_kit):
    # Camera at (1, 1, 0) looking along -x: its right (+x) is world +y.
    Box = scene_kit.Box
    frame = camera(scene_kit, eye=(1, 1, 0), target=(0, 1, 0))
    scene = scene_kit.scene(
        [Box(1, "a", (-4, 2.5, 0), (0.5, 0.5, 0.5)), Box(2, "b", (-4, -0.5, 0), (0.5, 0.5, 0.5))],
        frames=[frame],
    )
    fact = ego_relation(scene, 1, 2, "f0")
    assert fact.value == "right of" and fact.margin == pytest.approx(2.5)


def test_relation_at_the_margin(scene_kit):
    # A x in [-1, 0], B x in [0.15, 1.15]: exactly the 0.15 m margin. Overlapping boxes get a
    # negative margin (x in [-1, 0] against [-0.2, 0.8]: -0.2).
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [Box(1, "a", (-0.5, 5, 0)), Box(2, "b", (0.65, 5, 0)), Box(3, "c", (0.3, 7, 0))],
        frames=[camera(scene_kit)],
    )
    fact = ego_relation(scene, 1, 2, "f0")
    assert fact.value == "left of" and fact.margin == pytest.approx(0.15, abs=1e-9)
    assert ego_relation(scene, 1, 3, "f0").margin == pytest.approx(-0.2, abs=1e-9)


def test_above_uses_opencv_y_down_and_front_uses_depth(scene_kit):
    # A z in [1, 2] is camera y in [-2, -1], B z in [-0.5, 0.5]: A above B by 0.5 m.
    # C depth y in [2.5, 3.5], B y in [4.5, 5.5]: C in front of B by 1 m.
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [Box(1, "a", (0, 5, 1.5)), Box(2, "b", (0, 5, 0)), Box(3, "c", (0, 3, 0))],
        frames=[camera(scene_kit)],
    )
    above = ego_relation(scene, 1, 2, "f0", axis="y")
    assert above.value == "above" and above.margin == pytest.approx(0.5)
    assert ego_relation(scene, 2, 1, "f0", axis="y").value == "below"
    front = ego_relation(scene, 3, 2, "f0", axis="z")
    assert front.value == "in front of" and front.margin == pytest.approx(1.0)
    assert ego_relation(scene, 2, 3, "f0", axis="z").value == "behind"


def test_two_d_variant_uses_projected_extents(scene_kit):
    # A's leftmost projected corner: x = 1.5 at depth 5.5 -> u = 320 + 500 * 1.5 / 5.5;
    # B's rightmost: x = -1.5 at depth 5.5 -> u = 320 - 500 * 1.5 / 5.5.
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [Box(1, "a", (2, 5, 0)), Box(2, "b", (-2, 5, 0))], frames=[camera(scene_kit)]
    )
    fact = ego_relation(scene, 1, 2, "f0", variant="2d")
    assert fact.value == "right of" and fact.unit == "px"
    assert fact.margin == pytest.approx(2 * 500 * 1.5 / 5.5)
    with pytest.raises(SpatialQAError, match="variant"):
        ego_relation(scene, 1, 2, "f0", axis="z", variant="2d")
    with pytest.raises(SpatialQAError, match="axis"):
        ego_relation(scene, 1, 2, "f0", axis="w")


def test_depth_order_by_the_visible_part(scene_kit):
    # Two 1 mm plates facing the camera, front faces at depth 3 and 6: every visible pixel
    # of each lies on its front face.
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [
            Box(1, "near", (-1, 3.0005, 0), (1, 0.001, 1)),
            Box(2, "far", (1, 6.0005, 0), (1, 0.001, 1)),
        ],
        frames=[camera(scene_kit)],
    )
    fact = depth_order(scene, 2, 1, "f0")
    assert fact.value == "near" and fact.margin == pytest.approx(3.0, abs=1e-5)
    assert fact.detail["closer"] == 1
    re_executes(fact, scene, detail=True)


def test_depth_order_of_a_hidden_object_is_unanswerable(scene_kit):
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [Box(1, "target", (0, 5.5, 0)), Box(2, "occluder", (0, 3, 0), (2, 0.5, 2))],
        frames=[camera(scene_kit)],
    )
    assert not depth_order(scene, 1, 2, "f0").answerable


@pytest.mark.parametrize(
    ("front", "label", "angle", "margin"),
    [
        ((0, -1, 0), "towards the camera", 0.0, 45.0),
        ((1, 0, 0), "to the right", 90.0, 45.0),  # faces world +x = the camera's right
        ((-1, 0, 0), "to the left", -90.0, 45.0),
        ((0, 1, 0), "away from the camera", 180.0, 45.0),
        (
            (math.sin(math.radians(30)), -math.cos(math.radians(30)), 0),
            "towards the camera",
            30.0,
            15.0,
        ),
    ],
)
def test_orientation_relative_to_the_camera(scene_kit, front, label, angle, margin):
    chair = SceneObject(1, "chair", mesh=scene_kit.box_mesh((0, 4, 0), (1, 1, 1)), front=front)
    scene = scene_kit.scene([], extra_objects=[chair], frames=[camera(scene_kit)])
    fact = object_orientation(scene, 1, "f0")
    assert fact.value == label
    assert fact.detail["angle_deg"] == pytest.approx(angle)
    assert fact.margin == pytest.approx(margin)
    re_executes(fact, scene, detail=True)


def test_orientation_needs_a_front(scene_kit):
    scene = scene_kit.scene([scene_kit.Box(1, "box", (0, 4, 0))], frames=[camera(scene_kit)])
    assert not object_orientation(scene, 1, "f0").answerable


def test_box_and_point_in_pixels_and_per_mille(scene_kit):
    # The unit cube's front face at depth 5 covers u = 319.5 + 100 x in [269.5, 369.5], v in
    # [189.5, 289.5] (OpenCV: principal point (319.5, 239.5)); pixel centres 270..369, 190..289.
    # Per mille of the image, whose edges -0.5 and 639.5 are 0 and 1000, i.e. (x + 0.5) / 640,
    # rounded half up: 270 / 640 = 421.9 -> 422, 190 / 480 = 395.8 -> 396, 370 / 640 = 578.1
    # -> 578, 290 / 480 = 604.2 -> 604. Its centre point: pixel (319, 239), the first in raster
    # order of the four around the centroid -> 319.5 / 640 = 499.2, 239.5 / 480 = 499.0.
    scene = scene_kit.scene([scene_kit.Box(1, "box", (0, 5.5, 0))], frames=[camera(scene_kit)])
    box = object_box_2d(scene, 1, "f0")
    assert box.value == [422, 396, 578, 604]
    assert box.detail["box_px"] == [269.5, 189.5, 369.5, 289.5]
    point = object_point_2d(scene, 1, "f0")
    assert point.value == [499, 499] and point.detail["point_px"] == [319.0, 239.0]
    re_executes(box, scene, detail=True)
    re_executes(point, scene, detail=True)
    assert np.all(np.array(box.value) <= 1000)
