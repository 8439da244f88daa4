"""Objects that move between two frames: hand-worked moves, the refit box as a second method,
programs re-executed, and the symmetries (a rigid motion of everything, a mirror)."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
import symmetry_kit
from hypothesis import given, settings
from hypothesis import strategies as st

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import (
    execute,
    minimal_obb,
    moved_object,
    object_displacement,
    object_move_direction,
    object_moved,
)
from spatialqa.oracle.movement import box_at
from spatialqa.scenes import Keyframe, Scene


def shift_pose(dx: float, dy: float) -> np.ndarray:
    pose = np.eye(4)
    pose[:3, 3] = (dx, dy, 0.0)
    return pose


def turn_about(center, degrees: float) -> np.ndarray:
    """Rotation by ``degrees`` about the vertical line through ``center``: T(c) Rz T(-c)."""
    pose = np.eye(4)
    pose[:3, :3] = symmetry_kit.yaw_matrix(degrees)
    pose[:3, 3] = np.asarray(center, float) - pose[:3, :3] @ np.asarray(center, float)
    return pose


def with_motion(scene: Scene, motions: dict[int, tuple[Keyframe, ...]]) -> Scene:
    objects = tuple(replace(o, motion=motions.get(o.id, o.motion)) for o in scene.objects)
    return replace(scene, objects=objects)


@pytest.fixture(scope="module")
def moving_room(scene_kit) -> Scene:
    """Camera "before" (t = 0) at (0, 0, 1) looks along +y: its right is world +x, its forward
    +y. At t = 1 s: the chair goes 0.5 m along -x (left), the stool turns 90 degrees in place,
    the lamp goes (+0.1, -0.4) m (0.4 m towards the camera, 0.1 m right). Camera "after"
    (t = 2 s) looks at them from (3, 3, 1) along -x. The table never moves."""
    Box = scene_kit.Box
    boxes = [
        Box(1, "chair", (0.0, 3.0, 0.25), (0.5, 0.5, 0.5)),
        Box(2, "stool", (1.0, 3.0, 0.2), (0.4, 0.6, 0.4)),
        Box(3, "lamp", (-1.0, 3.5, 0.3), (0.3, 0.3, 0.6)),
        Box(4, "table", (0.0, 4.5, 0.4), (1.2, 0.8, 0.8)),
    ]
    frames = [
        scene_kit.frame("before", scene_kit.look_at((0, 0, 1), (0, 1, 1)), t=0.0),
        scene_kit.frame("early", scene_kit.look_at((0, 0, 1.2), (0, 1, 1)), t=0.5),
        scene_kit.frame("after", scene_kit.look_at((3, 3, 1), (2, 3, 1)), t=2.0),
    ]
    scene = scene_kit.scene(boxes, frames=frames)
    return with_motion(
        scene,
        {
            1: (Keyframe(1.0, shift_pose(-0.5, 0.0)),),
            2: (Keyframe(1.0, turn_about((1.0, 3.0, 0.2), 90.0)),),
            3: (Keyframe(1.0, shift_pose(0.1, -0.4)),),
        },
    )


def test_a_chair_moved_half_a_metre_left(moving_room):
    # The chair's box centre is (0, 3, 0.25) before and (-0.5, 3, 0.25) after: delta
    # (-0.5, 0, 0), 0.5 m on the floor. Camera "before" faces +y, so its right is +x:
    # x = delta . (1, 0) = -0.5, z = delta . (0, 1) = 0; |x| dominates by 0.5 - 0 = 0.5 m.
    fact = object_displacement(moving_room, 1, "before", "after")
    assert fact.value == pytest.approx(0.5, abs=1e-12)
    assert fact.detail["centre_before_m"] == pytest.approx([0.0, 3.0, 0.25])
    assert fact.detail["centre_after_m"] == pytest.approx([-0.5, 3.0, 0.25])
    direction = object_move_direction(moving_room, 1, "before", "after")
    assert direction.value == "left"
    assert direction.margin == pytest.approx(0.5, abs=1e-12)
    assert direction.detail["offset_camera_m"] == pytest.approx([-0.5, 0.0], abs=1e-12)
    moved = object_moved(moving_room, 1, "before", "after")
    # A pure translation moves every corner by 0.5 m.
    assert moved.value is True and moved.margin == pytest.approx(0.5, abs=1e-12)


def test_moving_towards_the_camera(moving_room):
    # Lamp delta (+0.1, -0.4): x = +0.1 (right), z = -0.4 (towards); |z| - |x| = 0.3 m.
    # Floor displacement sqrt(0.1^2 + 0.4^2) = sqrt(0.17) = 0.41231 m.
    direction = object_move_direction(moving_room, 3, "before", "after")
    assert direction.value == "towards the camera"
    assert direction.margin == pytest.approx(0.3, abs=1e-12)
    assert object_displacement(moving_room, 3, "before", "after").value == pytest.approx(
        math.sqrt(0.17), abs=1e-12
    )


def test_a_turn_in_place_is_a_move_without_displacement(moving_room):
    # The stool (0.4 x 0.6 footprint) turns 90 degrees about its own centre: the centre stays
    # (displacement 0), every corner swings on a circle of radius sqrt(0.2^2 + 0.3^2) =
    # sqrt(0.13) through 90 degrees, a chord of sqrt(2) sqrt(0.13) = sqrt(0.26) = 0.50990 m.
    # GROUND_TRUTH: a turned object's points moved, so it "moved"; the tasks never offer such
    # an object, neither as the moved one (displacement < 0.1 m) nor as a still one.
    moved = object_moved(moving_room, 2, "before", "after")
    assert moved.value is True
    assert moved.margin == pytest.approx(math.sqrt(0.26), abs=1e-12)
    assert moved.detail["turn_deg"] == pytest.approx(90.0, abs=1e-9)
    assert moved.detail["displacement_m"] == pytest.approx(0.0, abs=1e-12)


def test_still_objects_and_frames_on_one_side_of_the_motion(moving_room):
    table = object_moved(moving_room, 4, "before", "after")
    assert table.value is False and table.margin == 0.0
    # "before" (0 s) and "early" (0.5 s) are both before the keyframe at 1 s.
    chair = object_moved(moving_room, 1, "before", "early")
    assert chair.value is False and chair.detail["displacement_m"] == 0.0


def test_which_moved_among_options(moving_room):
    # Corner moves: chair 0.5, table 0, lamp sqrt(0.17) = 0.412: the chair leads by 0.0877.
    fact = moved_object(moving_room, [4, 1, 3], "before", "after")
    assert fact.value == "chair"
    assert fact.margin == pytest.approx(0.5 - math.sqrt(0.17), abs=1e-12)
    assert fact.detail["moved_instance"] == 1
    with pytest.raises(SpatialQAError, match="distinct categories"):
        moved_object(moving_room, [1, 1], "before", "after")


def test_the_carried_box_is_the_refit_box(moving_room):
    """Second method: the minimal OBB refitted to the object as the scene is at t = 2 s."""
    later = moving_room.at(2.0)
    for instance in (1, 2, 3, 4):
        carried = box_at(moving_room, instance, 2.0)
        refit = minimal_obb(later, instance)
        assert carried.center == pytest.approx(refit.center, abs=1e-9)
        assert sorted(carried.extent) == pytest.approx(sorted(refit.extent), abs=1e-9)


def test_programs_re_execute(moving_room):
    for op in (object_moved, object_displacement, object_move_direction):
        fact = op(moving_room, 3, "before", "after")
        assert execute(json.dumps(fact.program), moving_room).value == fact.value
    fact = moved_object(moving_room, [1, 4], "before", "after")
    assert execute(fact.program, moving_room).value == "chair"
    with pytest.raises(SpatialQAError, match="instance_ids: must have at least 2 items"):
        execute(
            {"op": "moved_object", "args": {**fact.program["args"], "instance_ids": [1]}},
            moving_room,
        )
    with pytest.raises(SpatialQAError, match="must differ"):
        object_displacement(moving_room, 1, "before", "before")


def conjugated(scene: Scene, transformed: Scene, linear: np.ndarray, shift: np.ndarray) -> Scene:
    """``transformed`` (symmetry_kit moved the geometry and cameras of ``scene``) with every
    motion keyframe carried along: pose -> G pose G^-1, G the 4x4 of x -> linear x + shift."""
    g = np.eye(4)
    g[:3, :3], g[:3, 3] = linear, shift
    inverse = np.linalg.inv(g)
    motions = {
        o.id: tuple(Keyframe(k.t, g @ k.pose @ inverse) for k in o.motion) for o in scene.objects
    }
    return with_motion(transformed, motions)


@settings(max_examples=25, deadline=None)
@given(
    dx=st.floats(-1.0, 1.0),
    dy=st.floats(-1.0, 1.0),
    turn=st.floats(-90.0, 90.0),
    yaw=st.floats(-180.0, 180.0),
    sx=st.floats(-5.0, 5.0),
    sy=st.floats(-5.0, 5.0),
)
def test_a_rigid_motion_of_everything_changes_no_answer(moving_room, dx, dy, turn, yaw, sx, sy):
    move = turn_about((0.0, 3.0, 0.25), turn) @ np.eye(4)
    move[:2, 3] += (dx, dy)
    scene = with_motion(moving_room, {1: (Keyframe(1.0, move),)})
    linear, shift = symmetry_kit.yaw_matrix(yaw), np.array([sx, sy, 0.3])
    other = conjugated(scene, symmetry_kit.moved(scene, linear, shift), linear, shift)
    for instance in (1, 2, 3, 4):
        a = object_displacement(scene, instance, "before", "after")
        b = object_displacement(other, instance, "before", "after")
        assert b.value == pytest.approx(a.value, abs=1e-9)
        c = object_move_direction(scene, instance, "before", "after")
        d = object_move_direction(other, instance, "before", "after")
        assert d.margin == pytest.approx(c.margin, abs=1e-9)
        if c.margin > 1e-6 and c.detail["dominant_m"] > 1e-6:
            assert d.value == c.value
        e, f = (object_moved(s, instance, "before", "after") for s in (scene, other))
        assert f.margin == pytest.approx(e.margin, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(dx=st.floats(-1.0, 1.0), dy=st.floats(-1.0, 1.0))
def test_a_mirror_swaps_left_and_right(moving_room, dx, dy):
    scene = with_motion(moving_room, {1: (Keyframe(1.0, shift_pose(dx, dy)),)})
    linear = symmetry_kit.MIRROR
    other = conjugated(scene, symmetry_kit.mirrored(scene), linear, np.zeros(3))
    for instance in (1, 3):
        a = object_move_direction(scene, instance, "before", "after")
        b = object_move_direction(other, instance, "before", "after")
        x, z = a.detail["offset_camera_m"]
        assert b.detail["offset_camera_m"] == pytest.approx([-x, z], abs=1e-9)
        if a.margin > 1e-6 and a.detail["dominant_m"] > 1e-6:
            assert b.value == symmetry_kit.swap_left_right(a.value)
        assert object_displacement(other, instance, "before", "after").value == pytest.approx(
            a.detail["displacement_m"], abs=1e-9
        )
