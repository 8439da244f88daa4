"""Clock directions, goal aiming, action consequences and perspective taking, on paper.

The camera "cam" stands at the origin, 1.5 m up, looking along world +y: ahead is +y and its
right hand (image x) is world +x. Small boxes (0.2 m) stand where the tests need them; a
30 m box around everything gives the camera something to see.
"""

import json
import math
from itertools import combinations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import (
    action_consequence,
    clock_direction,
    execute,
    goal_aiming,
    perspective,
    virtual_camera,
)
from spatialqa.oracle.viewer import clock_hour
from spatialqa.scenes import Frame, Scene, SceneObject, Structure, Trajectory


def polar(clockwise_deg: float, distance: float = 3.0) -> tuple[float, float]:
    """XY point at ``clockwise_deg`` clockwise from +y (the camera's ahead), seen from above."""
    angle = math.radians(clockwise_deg)
    return distance * math.sin(angle), distance * math.cos(angle)


def make(kit, positions: dict[int, tuple[float, float]], eye=(0.0, 0.0, 1.5), toward=(0, 1)):
    boxes = [
        kit.Box(i, f"thing{i}", (x, y, 0.1), (0.2, 0.2, 0.2)) for i, (x, y) in positions.items()
    ]
    target = (eye[0] + toward[0], eye[1] + toward[1], eye[2])
    room = kit.box_mesh((0.0, 0.0, 1.5), (30.0, 30.0, 6.0))
    return kit.scene(boxes, structure=[room], frames=[kit.frame("cam", kit.look_at(eye, target))])


@pytest.mark.parametrize(
    ("clockwise", "hour", "margin"),
    [
        (0.0, 12, 15.0),
        (5.0, 12, 10.0),  # 10 deg inside the half-hour boundary at 15
        (15.0, 1, 0.0),  # exactly on the boundary: the later hour, margin 0
        (25.0, 1, 10.0),
        (90.0, 3, 15.0),
        (180.0, 6, 15.0),
        (265.0, 9, 10.0),
        (345.0, 12, 0.0),
        (355.0, 12, 10.0),
    ],
)
def test_clock_hours_and_half_hour_margins(clockwise, hour, margin):
    assert clock_hour(clockwise) == (hour, pytest.approx(margin))


@pytest.mark.parametrize(
    ("clockwise", "hour", "margin"),
    [(0.0, 12, 15.0), (90.0, 3, 15.0), (180.0, 6, 15.0), (270.0, 9, 15.0), (40.0, 1, 5.0)],
)
def test_clock_direction_from_the_camera(scene_kit, clockwise, hour, margin):
    scene = make(scene_kit, {1: polar(clockwise)})
    fact = clock_direction(scene, 1, view="cam")
    assert fact.value == hour  # 3 o'clock is the camera's right: world +x
    assert fact.margin == pytest.approx(margin, abs=1e-6)
    assert fact.views == ("cam",) and fact.unit == "o'clock"
    assert execute(json.loads(json.dumps(fact.program)), scene).value == hour


def test_clock_direction_from_an_object_facing_the_camera_heading(scene_kit):
    # Standing at object 1 (4, 0) with the camera's heading (+y): object 2 at (4, -3) is
    # behind (6 o'clock), object 3 at (1, 0) on the left (9 o'clock); from the camera
    # itself object 2 is at clockwise atan2(4, -3) = 126.9 deg: 4 o'clock.
    scene = make(scene_kit, {1: (4.0, 0.0), 2: (4.0, -3.0), 3: (1.0, 0.0)})
    assert clock_direction(scene, 2, view="cam", standing=1).value == 6
    assert clock_direction(scene, 3, view="cam", standing=1).value == 9
    from_camera = clock_direction(scene, 2, view="cam")
    assert from_camera.value == 4
    assert from_camera.detail["clockwise_deg"] == pytest.approx(math.degrees(math.atan2(4.0, -3.0)))
    assert execute(clock_direction(scene, 2, view="cam", standing=1).program, scene).value == 6


@pytest.mark.parametrize(
    ("clockwise", "answer", "margin"),
    [
        (-45.0, "left", 35.0),  # yaw +45
        (30.0, "right", 20.0),
        (0.0, "straight", 10.0),
        (10.0, "straight", 0.0),  # on the +-10 boundary
        (-20.0, "left", 10.0),  # 10 deg outside it
        (-5.0, "straight", 5.0),
        (180.0, "left", 0.0),  # directly behind: left and right meet, margin 0
    ],
)
def test_goal_aiming_from_the_camera(scene_kit, clockwise, answer, margin):
    scene = make(scene_kit, {1: polar(clockwise % 360)})
    fact = goal_aiming(scene, 1, view="cam")
    assert fact.value == answer
    assert fact.margin == pytest.approx(margin, abs=1e-6)
    assert execute(fact.program, scene).value == answer


def test_goal_aiming_standing_at_an_object_facing_another(scene_kit):
    # At (0, 0) facing (4, 0) (+x): (4, 4) is 45 deg to the left, (4, -1) 14 deg right.
    scene = make(scene_kit, {1: (0.0, -0.01), 2: (4.0, -0.01), 3: (4.0, 3.99), 4: (4.0, -1.01)})
    left = goal_aiming(scene, 3, standing=1, facing=2)
    assert left.value == "left" and left.detail["yaw_deg"] == pytest.approx(45.0)
    assert left.views == () and left.instance_ids == (1, 2, 3)
    right = goal_aiming(scene, 4, standing=1, facing=2)
    assert right.value == "right"
    assert right.detail["yaw_deg"] == pytest.approx(-math.degrees(math.atan(0.25)))
    assert execute(left.program, scene).value == "left"
    with pytest.raises(SpatialQAError, match="give a view"):
        goal_aiming(scene, 3, standing=1)


@pytest.mark.parametrize(
    ("target", "query", "turn", "step", "answer", "margin"),
    [
        ((0.0, 4.0), "closer", 0.0, 1.0, "yes", 1.0),  # 4 m -> 3 m
        ((0.0, 4.0), "closer", 180.0, 1.0, "no", 1.0),  # turn round, step: 4 m -> 5 m
        ((0.0, 4.0), "closer", 90.0, 3.0, "no", 1.0),  # to (-3, 0): 4 m -> 5 m
        ((0.0, 4.0), "left", -30.0, 0.0, "yes", 30.0),  # turning right moves it left
        ((0.0, 4.0), "left", 30.0, 0.0, "no", 30.0),
        ((-2.0, 2.0), "left", 0.0, 2.0, "yes", 45.0),  # yaw 45 -> 90 after the step
        # Behind and just left (yaw 178.6): turning left 10 deg gives 168.6, less to the
        # left; the margin is the 1.4 deg left before the target crosses behind.
        ((-0.1, -4.0), "left", 10.0, 0.0, "no", 180.0 - math.degrees(math.atan2(4.0, 0.1)) - 90),
    ],
)
def test_action_consequence(scene_kit, target, query, turn, step, answer, margin):
    scene = make(scene_kit, {1: target})
    fact = action_consequence(scene, 1, "cam", query, turn_deg=turn, step_m=step)
    assert fact.value == answer
    assert fact.margin == pytest.approx(margin, abs=1e-6)
    assert fact.unit == ("m" if query == "closer" else "deg")
    assert execute(fact.program, scene).value == answer


def test_action_consequence_needs_an_action_and_a_known_query(scene_kit):
    scene = make(scene_kit, {1: (0.0, 4.0)})
    with pytest.raises(SpatialQAError, match="turn or a step"):
        action_consequence(scene, 1, "cam", "closer")
    with pytest.raises(SpatialQAError, match="query"):
        action_consequence(scene, 1, "cam", "higher", step_m=1.0)


def test_virtual_camera_pose_is_level_opencv(scene_kit):
    scene = make(scene_kit, {1: (1.0, 1.0), 2: (1.0, 5.0), 3: (3.0, 2.0)})
    pose = virtual_camera(scene, 1, 2)
    # Facing +y from (1, 1, 0.1): x right = +x, y down = -z, z forward = +y.
    expected = np.array([[1, 0, 0, 1.0], [0, 0, 1, 1.0], [0, -1, 0, 0.1], [0, 0, 0, 1]])
    assert np.allclose(pose, expected)
    facing_west = virtual_camera(scene, 3, 1)  # from (3, 2) towards (1, 1): level still
    assert facing_west[2, 2] == pytest.approx(0.0) and facing_west[2, 1] == pytest.approx(-1.0)


@pytest.mark.parametrize(
    ("target", "answer", "margin"),
    [((3.0, 2.0), "right", 2.0), ((0.0, 0.0), "left", 1.0), ((-1.0, 6.0), "left", 2.0)],
)
def test_perspective_left_right(scene_kit, target, answer, margin):
    scene = make(scene_kit, {1: (1.0, 1.0), 2: (1.0, 5.0), 3: target})
    fact = perspective(scene, 1, 2, 3)
    assert fact.value == answer and fact.margin == pytest.approx(margin)
    assert fact.detail["corners_off"] == 0
    assert execute(fact.program, scene).value == answer
    # Facing the other way (standing at 2, facing 1) swaps left and right.
    mirrored = perspective(scene, 2, 1, 3).value
    assert mirrored == {"left": "right", "right": "left"}[answer]


def test_perspective_closer_or_farther(scene_kit):
    scene = make(scene_kit, {1: (1.0, 1.0), 2: (1.0, 5.0), 3: (2.0, 1.0), 4: (1.0, 4.0)})
    fact = perspective(scene, 1, 2, 3, query="closer", reference=4)
    assert fact.value == "closer" and fact.margin == pytest.approx(3.0 - 1.0)
    assert perspective(scene, 1, 2, 4, query="closer", reference=3).value == "farther"
    assert execute(fact.program, scene).value == "closer"
    with pytest.raises(SpatialQAError, match="reference"):
        perspective(scene, 1, 2, 3, query="closer")
    with pytest.raises(SpatialQAError, match="differ"):
        perspective(scene, 1, 2, 2)


def moved(scene, yaw_deg: float, shift):
    """The scene and its cameras turned about z by ``yaw_deg``, then shifted."""
    transform = np.eye(4)
    c, s = np.cos(np.radians(yaw_deg)), np.sin(np.radians(yaw_deg))
    transform[:2, :2] = [[c, -s], [s, c]]
    transform[:3, 3] = shift
    objects = tuple(
        SceneObject(o.id, o.category, mesh=o.mesh.copy().apply_transform(transform))
        for o in scene.objects
    )
    structure = tuple(
        Structure(x.category, x.mesh.copy().apply_transform(transform)) for x in scene.structure
    )
    frames = tuple(
        Frame(f.id, f.t, transform @ f.pose, f.K, f.width, f.height)
        for f in scene.trajectories[0].frames
    )
    return Scene(
        scene.scene_id, scene.source, objects, structure, trajectories=(Trajectory("walk", frames),)
    )


@pytest.mark.parametrize(("yaw", "shift"), [(37.0, (4.0, -2.0, 0.3)), (-150.0, (-9.0, 1.0, 0.0))])
def test_rigid_motion_changes_no_egocentric_answer(scene_kit, yaw, shift):
    scene = make(scene_kit, {1: (1.0, 1.0), 2: (1.0, 5.0), 3: (3.0, 2.0), 4: (-2.0, 3.0)})
    other = moved(scene, yaw, shift)
    calls = [
        lambda s: clock_direction(s, 3, view="cam"),
        lambda s: clock_direction(s, 4, view="cam", standing=1),
        lambda s: goal_aiming(s, 4, view="cam"),
        lambda s: goal_aiming(s, 3, standing=1, facing=2),
        lambda s: action_consequence(s, 3, "cam", "left", turn_deg=-40.0, step_m=1.0),
        lambda s: action_consequence(s, 4, "cam", "closer", turn_deg=30.0, step_m=1.5),
        lambda s: perspective(s, 1, 2, 3),
        lambda s: perspective(s, 1, 2, 4, query="closer", reference=3),
    ]
    for fact_of in calls:
        before, after = fact_of(scene), fact_of(other)
        assert before.margin > 0.1  # away from every boundary, so the value is well defined
        assert after.value == before.value
        assert after.margin == pytest.approx(before.margin, abs=1e-6)


def test_programs_round_trip_through_json_to_equal_facts(scene_kit):
    scene = make(scene_kit, {1: (1.0, 1.0), 2: (1.0, 5.0), 3: (3.0, 2.0), 4: (-2.0, 3.0)})
    facts = [
        clock_direction(scene, 3, view="cam"),
        clock_direction(scene, 4, view="cam", standing=1),
        goal_aiming(scene, 3, standing=1, facing=2, straight_deg=15.0),
        action_consequence(scene, 3, "cam", "left", turn_deg=-40.0, step_m=1.0),
        perspective(scene, 1, 2, 4, query="closer", reference=3),
    ]
    for fact in facts:
        program = json.loads(json.dumps(fact.program))
        assert program == fact.program and execute(program, scene) == fact


SWAP = {"left": "right", "right": "left", "straight": "straight"}
point = st.tuples(st.floats(-4, 4), st.floats(-4, 4))


@settings(max_examples=15, deadline=None)
@given(positions=st.lists(point, min_size=4, max_size=4))
def test_a_mirror_swaps_left_and_right(scene_kit, positions):
    xy = np.array(positions)
    assume(min(np.linalg.norm(a - b) for a, b in combinations(xy, 2)) > 0.5)
    layout = {i + 1: tuple(p) for i, p in enumerate(xy)}
    mirrored = {i: (-x, y) for i, (x, y) in layout.items()}
    scene, mirror = make(scene_kit, layout), make(scene_kit, mirrored)
    for fact_of in (
        lambda s: perspective(s, 1, 2, 3),
        lambda s: goal_aiming(s, 3, standing=1, facing=2),
    ):
        before, after = fact_of(scene), fact_of(mirror)
        assert after.margin == pytest.approx(before.margin, abs=1e-6)
        if before.margin > 1e-6:
            assert after.value == SWAP[before.value]
    closer = perspective(scene, 1, 2, 3, query="closer", reference=4)
    assert perspective(mirror, 1, 2, 3, query="closer", reference=4).value == closer.value
