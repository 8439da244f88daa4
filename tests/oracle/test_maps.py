"""Cognitive maps (oracle.maps): a room of four objects worked on paper in both frames, the
fallback extent without a footprint, unanswerable maps, and properties (hypothesis): a rigid
motion of the whole scene changes no ``first_view`` map, a mirror mirrors every map."""

import json

import numpy as np
import pytest
import symmetry_kit as kit
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import cognitive_map, execute
from spatialqa.oracle.maps import map_transform

FOOTPRINT = [[0.0, 0.0], [6.0, 0.0], [6.0, 4.0], [0.0, 4.0]]
BOXES = [
    (1, "table", (1.0, 1.0), (1.2, 0.8, 0.75)),
    (2, "sofa", (4.5, 3.0), (2.0, 0.9, 0.8)),
    (3, "chair", (2.0, 3.5), (0.5, 0.5, 0.9)),
    (4, "chair", (5.5, 0.5), (0.5, 0.5, 0.9)),
]
"""The paper room: a 6 m x 4 m floor, a table, a sofa and two chairs (centre x, y; size)."""


def paper_room(scene_kit, footprint=FOOTPRINT, extra=()):
    """The room seen by ``east`` (from x = -3, heading +x) and ``north`` (from y = -4,
    heading +y), both high above it: each sees all four objects."""
    boxes = [
        scene_kit.Box(i, category, (x, y, size[2] / 2), size)
        for i, category, (x, y), size in [*BOXES, *extra]
    ]
    frames = [
        scene_kit.frame("east", scene_kit.look_at((-3.0, 2.0, 5.0), (3.0, 2.0, 0.0)), focal=300),
        scene_kit.frame(
            "north", scene_kit.look_at((3.0, -4.0, 5.0), (3.0, 2.0, 0.0)), focal=300, t=1.0
        ),
    ]
    return scene_kit.scene(boxes, frames=frames, footprint=footprint)


@pytest.fixture(scope="module")
def room(scene_kit):
    return paper_room(scene_kit)


def test_world_frame_cells_worked_on_paper(room):
    # World frame: right = +x, up = +y; r = x, f = y. The footprint spans r [0, 6], f [0, 4]:
    # side = max(6, 4) = 6, centre (3, 2), so r_min = 3 - 3 = 0 and f_max = 2 + 3 = 5.
    # x = floor(10 (r - 0) / 6), y = floor(10 (5 - f) / 6):
    #   table (1.0, 1.0): x = floor(1.667) = 1, y = floor(6.667) = 6
    #   sofa  (4.5, 3.0): x = floor(7.5)   = 7, y = floor(3.333) = 3
    #   chair (2.0, 3.5): x = floor(3.333) = 3, y = floor(2.5)   = 2
    #   chair (5.5, 0.5): x = floor(9.167) = 9, y = floor(7.5)   = 7
    fact = cognitive_map(room, ["table", "sofa", "chair"], ["east", "north"], frame="world")
    assert fact.value == {"chair": [[3, 2], [9, 7]], "sofa": [[7, 3]], "table": [[1, 6]]}
    assert fact.answerable and fact.unit == "cell" and fact.frame == "map world"
    # The nearest coordinate to an inner boundary: 1.667, 6.667, 3.333 are 1/3 away; 2.5 and
    # 7.5 half a cell; 9.167 is 1/6 from 9 (and 10 is the map's edge, not a boundary).
    assert fact.margin == pytest.approx(1 / 6)
    transform = fact.detail["transform"]
    assert transform["origin"] == pytest.approx([0.0, 5.0])  # (r_min, f_max) in world XY
    assert (transform["side"], transform["cell_m"], transform["rotation_deg"]) == (6.0, 0.6, 0.0)
    assert fact.detail["continuous"]["2"] == pytest.approx([7.5, 10 / 3])


def test_first_view_frame_cells_worked_on_paper(room):
    # The first view ``east`` looks along +x: up U = (1, 0); its right R = (U_y, -U_x) =
    # (0, -1) (facing +x, the right hand points to -y). r = -y, f = x.
    # Footprint corners: r in [-4, 0], f in [0, 6]; side = max(4, 6) = 6, centre (-2, 3):
    # r_min = -2 - 3 = -5, f_max = 3 + 3 = 6. x = floor(10 (r + 5) / 6), y = floor(10 (6 - f) / 6)
    #   table (1.0, 1.0): r = -1.0, f = 1.0: x = floor(6.667) = 6, y = floor(8.333) = 8
    #   sofa  (4.5, 3.0): r = -3.0, f = 4.5: x = floor(3.333) = 3, y = floor(2.5)   = 2
    #   chair (2.0, 3.5): r = -3.5, f = 2.0: x = floor(2.5)   = 2, y = floor(6.667) = 6
    #   chair (5.5, 0.5): r = -0.5, f = 5.5: x = floor(7.5)   = 7, y = floor(0.833) = 0
    # (the far chair, at x = 5.5, is at the top; it is on the viewer's right, y < 2).
    fact = cognitive_map(room, ["table", "sofa", "chair"], ["east", "north"])
    assert fact.value == {"chair": [[2, 6], [7, 0]], "sofa": [[3, 2]], "table": [[6, 8]]}
    assert fact.frame == "map first_view east"
    transform = fact.detail["transform"]
    assert transform["right"] == pytest.approx([0.0, -1.0])
    assert transform["up"] == pytest.approx([1.0, 0.0])
    assert transform["rotation_deg"] == pytest.approx(-90.0)  # right = world +x turned -90
    # Top-left corner: r_min R + f_max U = -5 (0, -1) + 6 (1, 0) = (6, 5): far end, left side.
    assert transform["origin"] == pytest.approx([6.0, 5.0])
    assert fact.detail["positions"]["4"] == pytest.approx([-0.5, 5.5])  # (r, f) of chair 4
    assert fact.margin == pytest.approx(1 / 6)  # 0.833 is 1/6 from 1


def test_the_first_view_decides_which_way_is_up(room):
    # ``north`` first: up = +y, right = +x, which is the world frame here.
    north = cognitive_map(room, ["table", "sofa", "chair"], ["north", "east"])
    world = cognitive_map(room, ["table", "sofa", "chair"], ["north", "east"], frame="world")
    assert north.value == world.value


def test_other_grids_use_the_same_square(room):
    # N = 4, world frame: x = floor(4 r / 6), y = floor(4 (5 - f) / 6).
    #   table: floor(0.667) = 0, floor(2.667) = 2; sofa: floor(3.0) = 3, floor(1.333) = 1
    #   chair (2, 3.5): floor(1.333) = 1, floor(1.0) = 1; chair (5.5, 0.5): floor(3.667) = 3,
    #   floor(3.0) = 3. Sofa's x and the chairs' y lie on boundaries (margin 0).
    fact = cognitive_map(room, ["table", "sofa", "chair"], ["east"], grid=4, frame="world")
    assert fact.value == {"chair": [[1, 1], [3, 3]], "sofa": [[3, 1]], "table": [[0, 2]]}
    assert fact.margin == pytest.approx(0.0, abs=1e-12)


def test_without_a_footprint_the_map_covers_the_geometry(scene_kit):
    # Box spans: table x [0.4, 1.6] y [0.6, 1.4]; sofa x [3.5, 5.5] y [2.55, 3.45];
    # chairs x [1.75, 2.25] y [3.25, 3.75] and x [5.25, 5.75] y [0.25, 0.75].
    # All: x [0.4, 5.75], y [0.25, 3.75]; side = max(5.35, 3.5) = 5.35, centre (3.075, 2.0):
    # r_min = 3.075 - 2.675 = 0.4, f_max = 2.0 + 2.675 = 4.675.
    #   table (1, 1):     x = floor(10 * 0.6 / 5.35) = floor(1.121) = 1,
    #                     y = floor(10 * 3.675 / 5.35) = floor(6.869) = 6
    #   sofa (4.5, 3):    x = floor(10 * 4.1 / 5.35) = floor(7.664) = 7,
    #                     y = floor(10 * 1.675 / 5.35) = floor(3.131) = 3
    #   chair (2, 3.5):   x = floor(10 * 1.6 / 5.35) = floor(2.991) = 2,
    #                     y = floor(10 * 1.175 / 5.35) = floor(2.196) = 2
    #   chair (5.5, 0.5): x = floor(10 * 5.1 / 5.35) = floor(9.533) = 9,
    #                     y = floor(10 * 4.175 / 5.35) = floor(7.804) = 7
    scene = paper_room(scene_kit, footprint=None)
    fact = cognitive_map(scene, ["table", "sofa", "chair"], ["east"], frame="world")
    assert fact.value == {"chair": [[2, 2], [9, 7]], "sofa": [[7, 3]], "table": [[1, 6]]}
    transform = fact.detail["transform"]
    assert transform["extent_from"] == "geometry"
    assert transform["side"] == pytest.approx(5.35)
    assert fact.margin == pytest.approx(3 - 16 / 5.35)  # 2.991 is 0.0093 from 3


def test_a_category_the_views_miss_makes_the_map_unanswerable(scene_kit):
    # A vase inside the sofa's box: no ray reaches it.
    scene = paper_room(scene_kit, extra=[(5, "vase", (4.5, 3.0), (0.1, 0.1, 0.1))])
    fact = cognitive_map(scene, ["vase", "table"], ["east", "north"])
    assert not fact.answerable and "vase" in fact.why_not
    assert fact.value == {"table": [[6, 8]], "vase": []}
    assert fact.detail["hidden"] == [5]
    assert fact.instance_ids == (1,)


def test_programs_re_execute_and_bad_arguments_are_named(room):
    fact = cognitive_map(room, ["chair", "sofa"], ["north"], grid=7, frame="world")
    again = execute(json.loads(json.dumps(fact.program)), room)
    assert again.value == fact.value and again.detail == fact.detail
    program = {"op": "cognitive_map", "args": {"categories": ["chair"], "views": ["east"]}}
    for args, message in (
        ({"frame": "south"}, "frame must be one of"),
        ({"grid": 1}, r"program\.args\.grid: must be >= 2"),
        ({"views": []}, r"program\.args\.views: must have at least 1"),
        ({"categories": ["chair", "chair"]}, "categories repeat"),
        ({"views": ["nowhere"]}, "no frame"),
    ):
        with pytest.raises(SpatialQAError, match=message):
            execute({**program, "args": {**program["args"], **args}}, room)


def test_a_vertical_first_view_has_no_up(scene_kit):
    down = scene_kit.frame(
        "down", scene_kit.look_at((3.0, 2.0, 6.0), (3.0, 2.0, 0.0), up=(0, 1, 0))
    )
    scene = scene_kit.scene([scene_kit.Box(1, "table", (1.0, 1.0, 0.4))], frames=[down])
    with pytest.raises(SpatialQAError, match="no heading"):
        map_transform(scene, "first_view", "down")
    assert map_transform(scene, "world", "down").up.tolist() == [0.0, 1.0]


# ------------------------------------------------------------------------------ properties

PROPERTY = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CATEGORIES = ["table", "sofa", "chair"]


def _mirror_cells(value: dict, grid: int) -> dict:
    """x -> N - 1 - x (the map's right is reversed, its up kept), lists re-sorted."""
    return {c: sorted([[grid - 1 - x, y] for x, y in cells]) for c, cells in value.items()}


@PROPERTY
@given(
    st.floats(-180, 180),
    st.tuples(st.floats(-50, 50), st.floats(-50, 50), st.floats(-2, 2)),
    st.integers(2, 25),
    st.sampled_from([["east", "north"], ["north", "east"]]),
)
def test_a_rigid_motion_changes_no_first_view_map(room, yaw, shift, grid, views):
    rotation = kit.yaw_matrix(yaw)
    other = kit.moved(room, rotation, shift)
    before = cognitive_map(room, CATEGORIES, views, grid=grid)
    after = cognitive_map(other, CATEGORIES, views, grid=grid)
    for key, value in before.detail["continuous"].items():
        assert after.detail["continuous"][key] == pytest.approx(value, abs=1e-9)
    assume(before.margin > 1e-9)  # on a boundary a cell is float rounding's choice
    assert after.value == before.value
    assert after.margin == pytest.approx(before.margin, abs=1e-9)


@PROPERTY
@given(st.integers(2, 25), st.sampled_from(["first_view", "world"]))
def test_a_mirror_mirrors_the_map(room, grid, frame):
    mirrored = kit.mirrored(room)
    before = cognitive_map(room, CATEGORIES, ["east", "north"], grid=grid, frame=frame)
    after = cognitive_map(mirrored, CATEGORIES, ["east", "north"], grid=grid, frame=frame)
    for key, (x, y) in before.detail["continuous"].items():
        assert after.detail["continuous"][key] == pytest.approx([grid - x, y], abs=1e-9)
    assume(before.margin > 1e-9)
    assert after.value == _mirror_cells(before.value, grid)


def test_the_mirror_really_moves_cells(room):
    # Guards the property above: table [6, 8] (first view, N = 10) becomes [9 - 6, 8] = [3, 8].
    after = cognitive_map(kit.mirrored(room), ["table"], ["east"])
    assert after.value == {"table": [[3, 8]]}


@PROPERTY
@given(
    st.lists(
        st.tuples(st.floats(0.3, 5.7), st.floats(0.3, 3.7)), min_size=4, max_size=4, unique=True
    ),
    st.floats(-180, 180),
)
def test_maps_of_moved_furniture_follow_the_paper_rule(scene_kit, centres, yaw):
    # Any placement: the cell is the floor of the formula, computed here independently
    # from the world frame's closed form (r_min = 0, f_max = 5, side = 6 on this footprint).
    extra = [(10 + k, f"box{k}", xy, (0.2, 0.2, 0.4)) for k, xy in enumerate(centres)]
    scene = paper_room(scene_kit, extra=extra)
    names = [f"box{k}" for k in range(4)]
    fact = cognitive_map(scene, names, ["east", "north"], frame="world")
    assume(fact.answerable and fact.margin > 1e-9)
    for k, (x, y) in enumerate(centres):
        expected = [min(9, int(np.floor(10 * x / 6))), min(9, int(np.floor(10 * (5 - y) / 6)))]
        assert fact.value[f"box{k}"] == [expected]
    first_view = cognitive_map(scene, names, ["east", "north"])
    assume(first_view.margin > 1e-9)
    turned = kit.moved(scene, kit.yaw_matrix(yaw), np.zeros(3))
    assert cognitive_map(turned, names, ["east", "north"]).value == first_view.value
