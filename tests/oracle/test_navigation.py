"""Occupancy grid, A* and routes on hand-built rooms.

The room is the rectangle [0, 6] x [0, 4] (footprint, no walls needed). Landmarks are 0.3 m
boxes. Grid cells are 5 cm with centres at 0.025 + 0.05 k on both axes.
"""

import json
import math

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import astar, execute, occupancy_grid, route
from spatialqa.oracle.navigation import leg_path, path_length, turn
from spatialqa.scenes import Room

ROOM = [[0, 0], [6, 0], [6, 4], [0, 4]]
SQRT2 = math.sqrt(2.0)


def room(kit, walls=(), landmarks=None):
    """Landmarks 1 (start, left) and 2 (goal, right), 3 to face, plus ``walls`` boxes."""
    landmarks = landmarks or {1: (1.0, 1.0), 2: (5.0, 1.0), 3: (1.0, 3.0)}
    boxes = [
        kit.Box(i, f"mark{i}", (x, y, 0.15), (0.3, 0.3, 0.3)) for i, (x, y) in landmarks.items()
    ]
    boxes += [kit.Box(10 + k, "wall", center, size) for k, (center, size) in enumerate(walls)]
    return kit.scene(boxes, footprint=ROOM)


def grid_dijkstra(free, start, goal):
    """Second method: scipy's Dijkstra on the same 8-connected, no-corner-cutting graph."""
    rows, cols = free.shape
    index = np.arange(rows * cols).reshape(rows, cols)
    heads, tails, weights = [], [], []
    for di, dj in ((0, 1), (1, 0), (1, 1), (1, -1)):
        a = (slice(0, rows - di), slice(max(0, -dj), cols - max(0, dj)))
        b = (slice(di, rows), slice(max(0, dj), cols - max(0, -dj)))
        ok = free[a] & free[b]
        if di and dj:  # both cells the diagonal passes between
            ok &= free[a[0], b[1]] & free[b[0], a[1]]
        heads.append(index[a][ok])
        tails.append(index[b][ok])
        weights.append(np.full(ok.sum(), SQRT2 if di and dj else 1.0))
    graph = coo_matrix(
        (np.concatenate(weights), (np.concatenate(heads), np.concatenate(tails))),
        shape=(rows * cols, rows * cols),
    )
    distances = dijkstra(graph, directed=False, indices=index[start])
    return distances[index[goal]]


def test_astar_is_exact_on_open_ground():
    free = np.ones((20, 20), bool)
    path = astar(free, (0, 0), (5, 12))
    assert path[0] == (0, 0) and path[-1] == (5, 12)
    assert path_length(path, 1.0) == pytest.approx(7 + 5 * SQRT2)  # octile distance


def test_astar_detours_without_cutting_corners():
    # Column 2 is blocked in rows 0..3: the path goes (0,0) -> (4,1) -> (4,2) -> (4,3) -> (0,4).
    # The diagonal (3,1) -> (4,2) would cut the blocked corner (3,2), so it is not allowed:
    # 2 x (3 + sqrt 2) for the diagonals' legs plus 2 straight steps.
    free = np.ones((5, 5), bool)
    free[0:4, 2] = False
    path = astar(free, (0, 0), (0, 4))
    assert (4, 2) in path
    assert path_length(path, 1.0) == pytest.approx(2 * (3 + SQRT2) + 2)
    free[4, 2] = False
    assert astar(free, (0, 0), (0, 4)) is None
    assert astar(free, (0, 2), (0, 4)) is None  # a blocked start


def test_grid_clearance_is_exact_distance(scene_kit):
    scene = room(scene_kit)
    grid = occupancy_grid(scene, robot_radius=0.2)
    assert grid.free.shape == (80, 120)
    # Cell (row 20, col 40) has its centre at (2.025, 1.025): 1.025 from the floor boundary
    # (y = 0) and 0.875 from landmark 1's edge at x = 1.15.
    assert grid.clearance[20, 40] == pytest.approx(0.875)
    assert grid.clearance[2, 60] == pytest.approx(0.125) and not grid.free[2, 60]
    assert occupancy_grid(scene, robot_radius=0.2) is grid  # cached


def test_route_detours_around_a_wall_of_boxes(scene_kit):
    # A wall x in [2.9, 3.1], y in [0, 3] between start (1, 1) and goal (5, 1) leaves a gap
    # y in [3, 4]: with 0.2 m clearance the path must cross x = 3 above y = 3.2.
    wall = [((3.0, 0.75, 0.5), (0.2, 1.5, 1.0)), ((3.0, 2.25, 0.5), (0.2, 1.5, 1.0))]
    scene = room(scene_kit, walls=wall)
    grid = occupancy_grid(scene)
    path, reason = leg_path(scene, grid, 1, 2)
    assert reason is None
    xy = grid.centers(np.array(path))
    crossing = xy[np.abs(xy[:, 0] - 3.0) <= 0.1]  # over the wall's top
    assert len(crossing) and np.all(crossing[:, 1] >= 3.2)
    # Lower bound: from the start cell up to (3, 3.2) and down to the goal cell, straight.
    start, goal = xy[0], xy[-1]
    lower = np.hypot(*(start - [3.0, 3.2])) + np.hypot(*(goal - [3.0, 3.2]))
    length = path_length(path, grid.cell)
    assert lower <= length <= lower * 1.15  # 8-connected steps overshoot straight lines
    assert length == pytest.approx(grid_dijkstra(grid.free, path[0], path[-1]) * grid.cell)
    open_room = room(scene_kit)
    open_path, _ = leg_path(open_room, occupancy_grid(open_room), 1, 2)
    assert path_length(open_path, grid.cell) < 3.5 < 5.0 < length


def test_blocked_route_is_not_answerable(scene_kit):
    scene = room(scene_kit, walls=[((3.0, 2.0, 0.5), (0.2, 4.0, 1.0))])  # wall to wall
    fact = route(scene, 1, 3, [2])
    assert not fact.answerable and "leg 0 (1 -> 2)" in fact.why_not
    assert fact.detail["path_m"] == [None]
    assert fact.value == ["turn right"]  # the turn is still defined; the leg is not walkable


@pytest.mark.parametrize(("radius", "walkable"), [(0.2, True), (0.3, False)])
def test_robot_radius_against_a_half_metre_gap(scene_kit, radius, walkable):
    # Wall pieces y in [0, 1.75] and [2.25, 4]: the 0.5 m gap has 0.225 m clearance at the
    # cell centres y = 1.975 and 2.025, enough for a 0.2 m robot, not for a 0.3 m one.
    walls = [((3.0, 0.875, 0.5), (0.2, 1.75, 1.0)), ((3.0, 3.125, 0.5), (0.2, 1.75, 1.0))]
    fact = route(room(scene_kit, walls=walls), 1, 3, [2], robot_radius=radius)
    assert fact.answerable is walkable
    if walkable:
        assert fact.detail["path_m"][0] > 4.0 - 0.3


def test_objects_above_the_height_limit_do_not_block(scene_kit):
    high_wall = [((3.0, 2.0, 2.0), (0.2, 4.0, 0.6))]  # bottom at 1.7 m, like a shelf on a wall
    assert route(room(scene_kit, walls=high_wall), 1, 3, [2]).answerable
    assert not route(room(scene_kit, walls=high_wall), 1, 3, [2], height_limit=2.0).answerable


def test_route_turns_on_paper(scene_kit):
    # Start (1, 1) facing (1, 3): heading +y. To (5, 1): -90, right. Heading +x, to (5, 3.5):
    # +90, left. Heading +y, to (1, 0.5): the leg (-4, -3) is at 216.9 deg from +x, so
    # delta = 216.9 - 90 = 126.9: left, 8.1 deg short of turning back.
    marks = {1: (1.0, 1.0), 2: (5.0, 1.0), 3: (1.0, 3.0), 4: (5.0, 3.5), 5: (1.0, 0.5)}
    scene = room(scene_kit, landmarks=marks)
    fact = route(scene, 1, 3, [2, 4, 5])
    assert fact.value == ["turn right", "turn left", "turn left"]
    back = math.degrees(math.atan2(-3.0, -4.0)) % 360 - 90.0
    assert fact.detail["deltas_deg"] == pytest.approx([-90.0, 90.0, back])
    assert fact.margin == pytest.approx(135.0 - back)
    assert fact.answerable and all(length > 0 for length in fact.detail["path_m"])
    program = json.loads(json.dumps(fact.program))
    assert program == fact.program and execute(program, scene) == fact
    # Facing (1, 0.5) instead (heading -y), the first leg to (5, 1) is +82.9: left.
    assert route(scene, 1, 5, [2]).value == ["turn left"]


@pytest.mark.parametrize(
    ("delta", "action"),
    [
        (134.9, "turn left"),
        (135.0, "turn back"),
        (-135.0, "turn back"),
        (-20.0, "turn right"),
        (180.0, "turn back"),
        (1.0, "turn left"),
    ],
)
def test_turn_names(delta, action):
    assert turn(delta) == action


def test_route_rejects_repeated_landmarks_and_needs_a_floor(scene_kit):
    scene = room(scene_kit)
    with pytest.raises(SpatialQAError, match="distinct"):
        route(scene, 1, 3, [1])
    no_floor = scene_kit.scene(
        [
            scene_kit.Box(1, "a", (0, 0, 0.1), (0.2, 0.2, 0.2)),
            scene_kit.Box(2, "b", (2, 0, 0.1), (0.2, 0.2, 0.2)),
            scene_kit.Box(3, "c", (0, 2, 0.1), (0.2, 0.2, 0.2)),
        ]
    )
    with pytest.raises(SpatialQAError, match="footprint"):
        route(no_floor, 1, 3, [2])


def test_rigid_motion_changes_no_route(scene_kit):
    marks = {1: (1.0, 1.0), 2: (5.0, 1.0), 3: (1.0, 3.0), 4: (5.0, 3.5), 5: (1.0, 0.5)}
    walls = [((3.0, 0.75, 0.5), (0.2, 1.5, 1.0)), ((3.0, 2.25, 0.5), (0.2, 1.5, 1.0))]
    scene = room(scene_kit, walls=walls, landmarks=marks)
    yaw, shift = 30.0, np.array([10.0, -4.0, 0.0])
    c, s = np.cos(np.radians(yaw)), np.sin(np.radians(yaw))
    footprint = np.array(ROOM, float) @ np.array([[c, s], [-s, c]]) + shift[:2]
    moved = scene_kit.moved(scene, yaw, shift)
    moved = type(moved)(moved.scene_id, moved.source, moved.objects, room=Room(footprint, 2.7))
    before, after = route(scene, 1, 3, [2, 4, 5]), route(moved, 1, 3, [2, 4, 5])
    assert after.value == before.value and after.answerable and before.answerable
    assert after.detail["deltas_deg"] == pytest.approx(before.detail["deltas_deg"])
    # The grid is aligned with the world axes, so turned paths differ by discretisation only.
    assert after.detail["path_m"] == pytest.approx(before.detail["path_m"], rel=0.06)


def test_a_mirror_swaps_the_turns(scene_kit):
    marks = {1: (1.0, 1.0), 2: (5.0, 1.0), 3: (1.0, 3.0), 4: (5.0, 3.5), 5: (1.0, 0.5)}
    boxes = [
        scene_kit.Box(i, f"mark{i}", (-x, y, 0.15), (0.3, 0.3, 0.3)) for i, (x, y) in marks.items()
    ]
    mirror = scene_kit.scene(boxes, footprint=[[-6, 0], [0, 0], [0, 4], [-6, 4]])
    assert route(mirror, 1, 3, [2, 4, 5]).value == ["turn left", "turn right", "turn right"]


def test_a_point_robot_still_avoids_obstacles(scene_kit):
    grid = occupancy_grid(room(scene_kit), robot_radius=0.0)
    # Cell (row 20, col 20) is at (1.025, 1.025), inside landmark 1 ([0.85, 1.15] square).
    assert not grid.free[20, 20] and grid.clearance[20, 20] == 0.0
    assert grid.free[20, 40] and grid.free[0, 0]  # open floor, and a corner cell of the room
