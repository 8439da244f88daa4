"""Programs with non-default parameters survive JSON and re-execute to the same fact.

Every registered operation is covered on procedural rooms by test_properties.py.
"""

import json

from spatialqa.oracle import (
    execute,
    instance_count,
    object_distance,
    object_size,
    relative_direction,
    room_area,
)
from spatialqa.oracle.visibility import visibility


def test_non_default_parameters_round_trip(scene_kit):
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [
            Box(1, "bed", (0, 3, 0), (1.0, 0.8, 0.6), 10),
            Box(2, "tv", (-1.5, 5, 0), (0.6, 0.3, 0.6), 40),
            Box(3, "lamp", (1.5, 4, 0), (0.3, 0.3, 0.9)),
        ],
        frames=[scene_kit.frame("f0", scene_kit.look_at((0, 0, 0), (0, 1, 0)))],
        footprint=[[-3, -1], [3, -1], [3, 7], [-3, 7]],
    )
    facts = [
        object_size(scene, 1, box="aabb", unit="m"),
        object_distance(scene, 1, 2, method="centroid"),
        relative_direction(scene, 1, 2, 3, granularity="medium"),
        instance_count(scene, "bed", views=["f0"], tau_instance=0.1, tau_frame=0.002),
        room_area(scene),
        visibility(scene, 3, "f0"),
    ]
    for fact in facts:
        program = json.loads(json.dumps(fact.program))
        assert program == fact.program
        again = execute(program, scene)
        assert again == fact


# ------------------------------------------------------------------ untrusted programs

import math  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from spatialqa.errors import SpatialQAError  # noqa: E402
from spatialqa.oracle.program import OPERATIONS, PARAMETERS  # noqa: E402


@pytest.fixture(scope="module")
def small_room(scene_kit):
    Box, frame, look_at = scene_kit.Box, scene_kit.frame, scene_kit.look_at
    return scene_kit.scene(
        [
            Box(1, "bed", (0, 3, 0.3), (1.0, 0.8, 0.6)),
            Box(2, "tv", (-1.5, 5, 0.3), (0.6, 0.3, 0.6)),
            Box(3, "lamp", (1.5, 4, 0.45), (0.3, 0.3, 0.9)),
        ],
        frames=[
            frame("f0", look_at((0, 0, 1.0), (0, 3, 0.3)), 40.0, 64, 48),
            frame("f1", look_at((0.5, 0, 1.0), (0, 4, 0.5)), 40.0, 64, 48, t=1.0),
        ],
        footprint=[[-3, -1], [3, -1], [3, 7], [-3, 7]],
    )


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


MALFORMED = [
    # (program, what the message must name)
    ("{not json", "program: not valid JSON"),
    ('{"op": "route", "args": ' + _deep(10_000) + "}", "program: not valid JSON"),
    ({"op": "object_volume", "args": {"instance_id": json.loads(_deep(900))}}, "instance_id"),
    ([1, 2], "program: expected an object"),
    ({"op": "object_volume"}, "program.args: missing"),
    ({"op": "object_volume", "args": {"instance_id": 1}, "extra": 1}, "program.extra"),
    ({"op": "no_such_op", "args": {}}, "program.op: unknown operation"),
    ({"op": ["object_volume"], "args": {}}, "program.op: unknown operation"),
    ({"op": "object_volume", "args": []}, "program.args: expected an object"),
    ({"op": "object_volume", "args": {}}, "program.args.instance_id: missing"),
    ({"op": "object_volume", "args": {"instance_id": 1, "colour": "red"}}, "program.args.colour"),
    ({"op": "object_volume", "args": {"instance_id": "1"}}, "expected an integer"),
    ({"op": "object_volume", "args": {"instance_id": True}}, "expected an integer"),
    ({"op": "object_volume", "args": {"instance_id": 1.0}}, "expected an integer"),
    ({"op": "object_volume", "args": {"instance_id": 99}}, "no object with id 99"),
    ({"op": "object_volume", "args": {"instance_id": 10**30}}, "no object with id"),
    ({"op": "object_volume", "args": {"instance_id": 1, "box": 7}}, "expected a string"),
    ({"op": "object_volume", "args": {"instance_id": 1, "box": "x" * 5000}}, "longer than"),
    ({"op": "object_volume", "args": {"instance_id": 1, "box": "sphere"}}, "sphere"),
    ({"op": "visibility", "args": {"instance_id": 1, "view": "f9"}}, "no frame 'f9'"),
    ({"op": "visibility", "args": {"instance_id": 1, "view": None}}, "expected a string"),
    ({"op": "instance_count", "args": {"category": "bed", "views": "f0"}}, "expected a list"),
    ({"op": "instance_count", "args": {"category": "bed", "views": ["f0", 3]}}, "views[1]"),
    ({"op": "instance_count", "args": {"category": "bed", "tau_frame": math.nan}}, "finite"),
    ({"op": "instance_count", "args": {"category": "bed", "tau_frame": math.inf}}, "finite"),
    ({"op": "instance_count", "args": {"category": "bed", "tau_instance": -0.5}}, ">= 0.0"),
    ({"op": "occlusion", "args": {"target": 1, "occluder": -2, "view": "f0"}}, "id -2"),
    ({"op": "room_area", "args": {"seed": -1}}, "program.args.seed: must be >= 0"),
    ({"op": "room_area", "args": {"seed": 2**64}}, "program.args.seed: must be <="),
    (
        {"op": "route", "args": {"start": 1, "facing": 2, "waypoints": [3], "cell": 1e-9}},
        "program.args.cell: must be >= 0.01 (got 1e-09)",
    ),
    (
        {"op": "route", "args": {"start": 1, "facing": 2, "waypoints": [3], "cell": 1e300}},
        "program.args.cell: must be <= 1.0",
    ),
    ({"op": "route", "args": {"start": 1, "facing": 2, "waypoints": []}}, "at least 1 items"),
    ({"op": "route", "args": {"start": 1, "facing": 2, "waypoints": [3] * 20_000}}, "more than"),
    ({"op": "route", "args": {"start": 1, "facing": 1, "waypoints": [3]}}, "route: need"),
    (
        {
            "op": "action_consequence",
            "args": {"target": 1, "view": "f0", "query": "x", "step_m": 1e9},
        },
        "step_m: must be <= 100.0",
    ),
    ({"op": "object_distance", "args": {"a": 1, "b": 1}}, "must differ"),
]


@pytest.mark.parametrize(("program", "message"), MALFORMED)
def test_malformed_programs_raise_only_spatialqa_errors_quickly(small_room, program, message):
    start = time.perf_counter()
    with pytest.raises(SpatialQAError) as raised:
        execute(program, small_room)
    assert message in str(raised.value), str(raised.value)
    assert len(str(raised.value)) < 1_500  # values are cut short in messages
    assert time.perf_counter() - start < 2.0


def test_the_cell_message_names_field_bound_and_value(small_room):
    program = {"op": "route", "args": {"start": 1, "facing": 2, "waypoints": [3], "cell": 1e-9}}
    with pytest.raises(
        SpatialQAError, match=r"^program\.args\.cell: must be >= 0\.01 \(got 1e-09\)$"
    ):
        execute(json.dumps(program), small_room)


def test_a_grid_too_fine_for_the_floor_is_refused_before_it_is_built(scene_kit):
    # A 1 km x 1 km floor at the smallest allowed cell would be 1e10 cells.
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [Box(1, "a", (0, 0, 0.5)), Box(2, "b", (5, 0, 0.5)), Box(3, "c", (0, 5, 0.5))],
        footprint=[[-500, -500], [500, -500], [500, 500], [-500, 500]],
    )
    program = {"op": "route", "args": {"start": 1, "facing": 2, "waypoints": [3], "cell": 0.01}}
    with pytest.raises(SpatialQAError, match="more than 2,000,000"):
        execute(program, scene)


def test_other_exceptions_of_an_operation_become_spatialqa_errors(small_room, monkeypatch):
    def broken(scene, instance_id, box="minimal_obb"):
        raise IndexError("index 7 is out of bounds")

    monkeypatch.setitem(OPERATIONS, "object_volume", broken)
    with pytest.raises(SpatialQAError, match=r"program\.op object_volume: failed with IndexError"):
        execute({"op": "object_volume", "args": {"instance_id": 1}}, small_room)


def test_every_operation_declares_every_parameter():
    import inspect

    for op, function in OPERATIONS.items():
        names = list(inspect.signature(function).parameters)[1:]
        assert list(PARAMETERS[op]) == names, op


def test_valid_programs_still_run(small_room):
    for program in (
        {"op": "object_volume", "args": {"instance_id": 1}},
        {"op": "occlusion", "args": {"target": 1, "occluder": -1, "view": "f0"}},
        {"op": "instance_count", "args": {"category": "bed", "views": ["f0", "f1"]}},
        {"op": "camera_displacement", "args": {"view1": "f0", "view2": "f1"}},
        {"op": "route", "args": {"start": 1, "facing": 2, "waypoints": [3], "cell": 0.1}},
    ):
        assert execute(program, small_room).program["op"] == program["op"]


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def _programs(draw):
    """Mostly well-formed shells around random values, so checks past the first are reached."""
    op = draw(st.sampled_from(sorted(OPERATIONS)) | st.text(max_size=8))
    names = [*PARAMETERS.get(op, {}), "bogus"]
    plausible = st.sampled_from([1, 2, 3, -1, 0, "f0", "f1", "bed", ["f0"], [3], 0.5, 1e-9, None])
    args = draw(st.dictionaries(st.sampled_from(names), plausible | _json, max_size=6))
    shell = {"op": op, "args": args}
    return draw(st.sampled_from([shell, json.dumps(shell)]) | _json)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(_programs())
def test_random_programs_raise_nothing_but_spatialqa_errors(small_room, program):
    try:
        fact = execute(program, small_room)
    except SpatialQAError:
        return
    assert fact.program["op"] in OPERATIONS


def test_an_operation_of_one_frame_answers_in_the_state_of_that_frames_time():
    """moving_kit: the camera at (0, 0, 0.4); the chair spans x [2.8, 3.2], y [-0.6, 0.6],
    z [0, 0.8] before t = 1 (closest point (2.8, 0, 0.4): 2.8 m away) and x [2.4, 3.6],
    y [0.85, 1.25] from t = 1 on (closest (2.4, 0.85, 0.4): sqrt(2.4^2 + 0.85^2) = sqrt(6.4825)
    = 2.54608 m). Called directly, by keyword, or through execute, the same."""
    import moving_kit

    from spatialqa.oracle import camera_object_distance

    scene = moving_kit.moving()
    chair = moving_kit.CHAIR
    assert camera_object_distance(scene, "f0", chair).value == pytest.approx(2.8, abs=1e-6)
    near = math.hypot(2.4, 0.85)
    assert camera_object_distance(scene, "f1", chair).value == pytest.approx(near, abs=1e-6)
    by_keyword = camera_object_distance(scene, view="f2", instance_id=chair)
    assert by_keyword.value == pytest.approx(near, abs=1e-6)
    program = {"op": "camera_object_distance", "args": {"view": "f1", "instance_id": chair}}
    assert execute(program, scene).value == pytest.approx(near, abs=1e-6)
