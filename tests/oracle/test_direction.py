"""Egocentric direction sectors, pinned on paper."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import ccw_angle, execute, object_size, relative_direction, sector

NORTH = np.array([0.0, 1.0])  # standing at the origin facing +y


@pytest.mark.parametrize(
    ("target", "theta", "label"),
    [
        ((-1, 1), 45.0, "front-left"),
        ((-1, -1), 135.0, "back-left"),
        ((1, -1), 225.0, "back-right"),
        ((1, 1), 315.0, "front-right"),
    ],
)
def test_quadrants_facing_plus_y(target, theta, label):
    # z up, right-handed: facing +y, the left hand points to -x, so (-1, 1) is ahead and left.
    assert ccw_angle(NORTH, np.array(target, float)) == pytest.approx(theta)
    assert sector(theta, "hard") == (label, 45.0)


def test_angles_are_counter_clockwise_in_zero_to_360():
    assert ccw_angle(np.array([1.0, 0]), np.array([0.0, 1])) == pytest.approx(90.0)
    assert ccw_angle(np.array([1.0, 0]), np.array([0.0, -1])) == pytest.approx(270.0)
    assert ccw_angle(np.array([1.0, 0]), np.array([2.0, 0])) == 0.0
    assert ccw_angle(np.array([1.0, 0]), np.array([1.0, -1e-300])) < 360.0
    with pytest.raises(SpatialQAError, match="zero-length"):
        ccw_angle(np.array([0.0, 0]), np.array([1.0, 0]))


@pytest.mark.parametrize(
    ("theta", "granularity", "label", "margin"),
    [
        (85.0, "hard", "front-left", 5.0),
        (95.0, "hard", "back-left", 5.0),
        (1.0, "hard", "front-left", 1.0),
        (359.0, "hard", "front-right", 1.0),
        (0.0, "hard", "front-left", 0.0),
        (90.0, "hard", "back-left", 0.0),
        (60.0, "medium", "left", 60.0),  # boundaries 0, 135, 225
        (130.0, "medium", "left", 5.0),
        (180.0, "medium", "back", 45.0),
        (300.0, "medium", "right", 60.0),
        (359.0, "easy", "right", 1.0),  # 0/360 separates right from left
        (2.0, "easy", "left", 2.0),
    ],
)
def test_sectors_and_margins(theta, granularity, label, margin):
    assert sector(theta, granularity) == (label, pytest.approx(margin))


def test_unknown_granularity():
    with pytest.raises(SpatialQAError, match="sideways"):
        sector(10.0, "sideways")


def direction_scene(kit, target=(-2.0, 2.0), target_size=(0.4, 0.4, 0.4), yaw=0.0):
    Box = kit.Box
    return kit.scene(
        [
            Box(1, "bed", (0, 0, 0.3), (0.6, 0.6, 0.6)),  # P: standing here
            Box(2, "tv", (0, 3, 0.3), (0.6, 0.6, 0.6)),  # O: facing +y
            Box(3, "lamp", (*target, 0.2), target_size, yaw),  # Q
        ]
    )


def test_relative_direction_on_a_scene(scene_kit):
    scene = direction_scene(scene_kit)
    fact = relative_direction(scene, 1, 2, 3)
    # v = (-2, 2) from P: 45 deg counter-clockwise from +y, front-left, 45 deg from 0 and 90.
    assert fact.value == "front-left"
    assert fact.detail["angle_deg"] == pytest.approx(45.0)
    assert fact.margin == pytest.approx(45.0)
    assert fact.detail["corners_off"] == 0
    assert fact.unit == "deg" and fact.instance_ids == (1, 2, 3)
    assert relative_direction(scene, 1, 2, 3, "medium").value == "left"
    program = json.loads(json.dumps(fact.program))
    assert execute(program, scene).value == fact.value
    assert execute(relative_direction(scene, 1, 2, 3, "easy").program, scene).value == "left"


def test_corners_off_counts_corners_across_a_boundary(scene_kit):
    # Q centred at (-1, 0.05), 1 m wide in y: corners at y = 0.55 (ahead) and y = -0.45
    # (behind) on both x = -1.2 and x = -0.8, so the four rear corners are back-left while the
    # centre (theta = 87.1 deg) is front-left.
    scene = direction_scene(scene_kit, target=(-1.0, 0.05), target_size=(0.4, 1.0, 0.4))
    fact = relative_direction(scene, 1, 2, 3)
    assert fact.value == "front-left"
    assert fact.detail["angle_deg"] == pytest.approx(90 - np.degrees(np.arctan2(0.05, 1.0)))
    assert fact.detail["corners_off"] == 4


def test_three_distinct_objects_are_required(scene_kit):
    scene = direction_scene(scene_kit)
    with pytest.raises(SpatialQAError, match="three different"):
        relative_direction(scene, 1, 1, 3)


@settings(max_examples=10, deadline=None)
@given(
    yaw=st.floats(0, 360),
    shift=st.tuples(st.floats(-30, 30), st.floats(-30, 30), st.floats(-1, 1)),
    target=st.tuples(st.floats(-4, 4), st.floats(-4, 4)).filter(lambda t: np.hypot(*t) > 1.0),
)
def test_rigid_motion_changes_no_direction_or_size(scene_kit, yaw, shift, target):
    scene = direction_scene(scene_kit, target=target, yaw=25.0)
    moved = scene_kit.moved(scene, yaw, shift)
    for granularity in ("hard", "medium"):
        before = relative_direction(scene, 1, 2, 3, granularity)
        after = relative_direction(moved, 1, 2, 3, granularity)
        if before.margin > 1e-6:
            assert after.value == before.value
        assert after.margin == pytest.approx(before.margin, abs=1e-6)
    for instance_id in (1, 2, 3):
        assert object_size(moved, instance_id).value == pytest.approx(
            object_size(scene, instance_id).value, abs=1e-7
        )


def at_angle(theta_deg: float, distance: float = 2.5) -> tuple[float, float]:
    """XY point ``theta_deg`` counter-clockwise from +y (the facing direction of the scene)."""
    angle = np.radians(theta_deg)
    return -distance * np.sin(angle), distance * np.cos(angle)


@pytest.mark.parametrize(
    ("theta", "granularity", "label", "margin"),
    [
        (80.0, "hard", "front-left", 10.0),  # 10 deg either side of the 90 boundary
        (90.0, "hard", "back-left", 0.0),
        (100.0, "hard", "back-left", 10.0),
        (125.0, "medium", "left", 10.0),  # ... of the 135 boundary
        (135.0, "medium", "back", 0.0),
        (145.0, "medium", "back", 10.0),
        (215.0, "medium", "back", 10.0),  # ... of the 225 boundary
        (225.0, "medium", "right", 0.0),
        (235.0, "medium", "right", 10.0),
        (10.0, "easy", "left", 10.0),  # ... of 0 = 360, between right and left
        (350.0, "easy", "right", 10.0),
        (125.0, "easy", "left", 10.0),
        (235.0, "easy", "right", 10.0),
    ],
)
def test_boundaries_on_a_scene_both_sides(scene_kit, theta, granularity, label, margin):
    scene = direction_scene(scene_kit, target=at_angle(theta), target_size=(0.02, 0.02, 0.4))
    fact = relative_direction(scene, 1, 2, 3, granularity)
    assert fact.detail["angle_deg"] == pytest.approx(theta % 360, abs=1e-6)
    assert fact.margin == pytest.approx(margin, abs=1e-6)
    if margin > 0:
        assert fact.value == label
        assert execute(fact.program, scene).value == label


def test_corners_off_in_the_medium_sectors(scene_kit):
    # Q centred 140 deg from ahead (back, 5 deg past 135) at (-1.607, -1.915), 1.2 m wide
    # along x: its corners at x - 0.6 are at 132.4 and 129.4 deg (left), those at x + 0.6 at
    # 153.4 and 151.0 deg (back): four of the eight corners are in another sector.
    x, y = at_angle(140.0)
    scene = direction_scene(scene_kit, target=(x, y), target_size=(1.2, 0.2, 0.4))
    fact = relative_direction(scene, 1, 2, 3, "medium")
    assert fact.value == "back" and fact.margin == pytest.approx(5.0)
    corners = [(x + dx, y + dy) for dx in (-0.6, 0.6) for dy in (-0.1, 0.1)]
    sectors = [sector(ccw_angle(NORTH, np.array(c)), "medium")[0] for c in corners]
    assert sectors.count("left") == 2  # per z level: 2 x 2 = 4 corners in all
    assert fact.detail["corners_off"] == 4
