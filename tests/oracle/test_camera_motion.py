"""Camera motion between two frames, worked on paper.

Every camera stands inside a 30 m box (so each frame sees geometry) at eye height 1.5 m.
The reference camera "north" looks along world +y; OpenCV x (image right) is then world +x,
so a move to world +x is a move to the right.
"""

import json
import math

import numpy as np
import pytest

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import (
    camera_displacement,
    camera_elevation_change,
    camera_motion_direction,
    camera_relative_position,
    camera_rotation,
    execute,
)
from spatialqa.scenes import Frame, Scene, Trajectory


def heading(degrees: float) -> tuple[float, float]:
    """A unit XY direction at ``degrees`` counter-clockwise from world +x."""
    return math.cos(math.radians(degrees)), math.sin(math.radians(degrees))


CAMERAS = {  # id: (eye, heading in degrees from +x)
    "north": ((0.0, 0.0, 1.5), 90.0),
    "east_of": ((2.0, 0.5, 1.5), 90.0),
    "ahead": ((0.3, 3.0, 1.5), 90.0),
    "behind": ((0.4, -2.0, 1.5), 90.0),
    "left_of": ((-1.5, 0.2, 1.8), 90.0),
    "west": ((0.0, 0.0, 1.5), 180.0),
    "wnw": ((0.0, 0.0, 1.5), 170.0),
    "wsw": ((0.0, 0.0, 1.5), 190.0),
    "south": ((0.0, 0.0, 1.2), 270.0),
}


@pytest.fixture(scope="module")
def scene(scene_kit):
    frames = [
        scene_kit.frame(
            name,
            scene_kit.look_at(eye, (eye[0] + heading(yaw)[0], eye[1] + heading(yaw)[1], eye[2])),
            t=float(t),
        )
        for t, (name, (eye, yaw)) in enumerate(CAMERAS.items())
    ]
    room = scene_kit.box_mesh((0.0, 0.0, 1.5), (30.0, 30.0, 6.0))
    return scene_kit.scene(
        [scene_kit.Box(1, "table", (0.0, 4.0, 0.4), (1.0, 1.0, 0.8))],
        structure=[room],
        frames=frames,
    )


def test_the_reference_camera_has_image_x_along_world_x(scene):
    pose = scene.frame("north").pose
    assert np.allclose(pose[:3, 0], [1, 0, 0]) and np.allclose(pose[:3, 2], [0, 1, 0])


@pytest.mark.parametrize(
    ("other", "label", "position", "margin"),
    [
        ("east_of", "right", "right", 2.0 - 0.5),  # camera offset (x=2, z=0.5)
        ("ahead", "forward", "in front", 3.0 - 0.3),
        ("behind", "backward", "behind", 2.0 - 0.4),
        ("left_of", "left", "left", 1.5 - 0.2),
    ],
)
def test_motion_direction_in_the_first_cameras_frame(scene, other, label, position, margin):
    fact = camera_motion_direction(scene, "north", other)
    assert fact.value == label
    assert fact.margin == pytest.approx(margin)
    assert fact.views == ("north", other) and fact.frame == "camera of north"
    where = camera_relative_position(scene, "north", other)
    assert where.value == position and where.margin == pytest.approx(margin)
    assert execute(json.loads(json.dumps(fact.program)), scene).value == label
    assert execute(where.program, scene).value == position


def test_motion_is_expressed_in_the_first_camera_not_the_world(scene):
    # "west" looks along -x, so its right is +y: "north" sits at the same place, but a move
    # from "west" to "ahead" (world +y by 3, +x by 0.3) is to the right and slightly backward.
    fact = camera_motion_direction(scene, "west", "ahead")
    assert fact.value == "right"
    x, y, z = fact.detail["offset_camera_m"]
    assert (x, y, z) == pytest.approx((3.0, 0.0, -0.3))
    assert fact.detail["dominant_m"] == pytest.approx(3.0)


def test_displacement_and_elevation(scene):
    fact = camera_displacement(scene, "north", "left_of")
    assert fact.value == pytest.approx(math.sqrt(1.5**2 + 0.2**2 + 0.3**2))
    assert fact.unit == "m" and execute(fact.program, scene).value == fact.value
    up = camera_elevation_change(scene, "north", "left_of")
    assert up.value == pytest.approx(0.3) and up.detail["direction"] == "up"
    down = camera_elevation_change(scene, "north", "south")
    assert down.value == pytest.approx(-0.3) and down.margin == pytest.approx(0.3)
    assert down.detail["direction"] == "down"


@pytest.mark.parametrize(
    ("first", "second", "change"),
    [
        ("north", "west", 90.0),  # +y to -x: counter-clockwise, a left turn
        ("west", "north", -90.0),
        ("wnw", "wsw", 20.0),  # 170 -> 190 deg: across 180, still a small left turn
        ("wsw", "wnw", -20.0),
        ("north", "south", 180.0),  # a half turn: no side, margin 0
        ("north", "east_of", 0.0),
    ],
)
def test_yaw_change_is_signed_and_wraps(scene, first, second, change):
    fact = camera_rotation(scene, first, second)
    assert fact.value == pytest.approx(change, abs=1e-9)
    assert fact.margin == pytest.approx(min(abs(change), 180 - abs(change)), abs=1e-9)
    if abs(change) not in (0.0, 180.0):
        assert fact.detail["direction"] == ("left" if change > 0 else "right")
    assert execute(fact.program, scene).value == fact.value


def test_rigid_motion_of_scene_and_cameras_changes_no_answer(scene, scene_kit):
    yaw, shift = np.radians(37.0), np.array([4.0, -2.0, 0.5])
    transform = np.eye(4)
    transform[:2, :2] = [[np.cos(yaw), -np.sin(yaw)], [np.sin(yaw), np.cos(yaw)]]
    transform[:3, 3] = shift
    moved_scene = scene_kit.moved(scene, 37.0, shift)
    frames = tuple(
        Frame(f.id, f.t, transform @ f.pose, f.K, f.width, f.height)
        for f in scene.trajectories[0].frames
    )
    moved = Scene(
        scene.scene_id,
        scene.source,
        moved_scene.objects,
        moved_scene.structure,
        trajectories=(Trajectory("walk", frames),),
    )
    for op in (camera_motion_direction, camera_relative_position, camera_rotation):
        for first, second in (("north", "east_of"), ("west", "ahead"), ("wnw", "wsw")):
            before, after = op(scene, first, second), op(moved, first, second)
            assert after.value == pytest.approx(before.value)
            assert after.margin == pytest.approx(before.margin)
    for op in (camera_displacement, camera_elevation_change):
        assert op(moved, "north", "left_of").value == pytest.approx(
            op(scene, "north", "left_of").value
        )


def test_bad_pairs_are_refused(scene):
    with pytest.raises(SpatialQAError, match="must differ"):
        camera_rotation(scene, "north", "north")
    with pytest.raises(SpatialQAError, match="no frame"):
        camera_displacement(scene, "north", "nowhere")


def test_programs_round_trip_through_json_to_equal_facts(scene):
    for op in (
        camera_displacement,
        camera_motion_direction,
        camera_relative_position,
        camera_rotation,
        camera_elevation_change,
    ):
        fact = op(scene, "west", "left_of")
        program = json.loads(json.dumps(fact.program))
        assert program == fact.program and execute(program, scene) == fact


def test_a_camera_looking_straight_down_has_no_yaw(scene_kit):
    down = scene_kit.look_at((0.0, 0.0, 3.0), (0.0, 0.0, 0.0), up=(0.0, 1.0, 0.0))
    level = scene_kit.look_at((0.0, 0.0, 1.5), (0.0, 1.0, 1.5))
    room = scene_kit.box_mesh((0.0, 0.0, 1.5), (30.0, 30.0, 6.0))
    scene = scene_kit.scene(
        [scene_kit.Box(1, "table", (0.0, 0.0, 0.4), (1.0, 1.0, 0.8))],
        structure=[room],
        frames=[scene_kit.frame("down", down), scene_kit.frame("level", level, t=1.0)],
    )
    with pytest.raises(SpatialQAError, match="straight up or down"):
        camera_rotation(scene, "level", "down")
    assert camera_elevation_change(scene, "level", "down").value == pytest.approx(1.5)
