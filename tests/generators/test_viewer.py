"""Clock direction, goal aiming, action consequence and perspective taking, on a hand-built
scene checked by plain atan2 / cross products (not the oracle's own helpers).

The camera "cam" stands at (0, 0, 1.5) looking along +y and slightly down: its heading on
the floor plan is +y and its right is +x. Objects (0.3 m cubes on the floor):
  vase (0, 4): 12 o'clock, straight ahead        lamp (-2, 3): 33.7 deg left, 11 o'clock
  plant (2.5, 2.5): 45 deg right, on the 1:30 boundary (no clock question)
  chair (1, 5): 11.3 deg right, 1.3 deg from the straight band (no aiming question)
  box (3, 4): 36.9 deg right, 1 o'clock (8.1 deg inside it)
"""

import json
import math

import numpy as np
import pytest
import rooms_kit

from spatialqa.generators import Context, draw_samples, get_task
from spatialqa.oracle import execute, minimal_obb

PLACES = {
    "vase": (0.0, 4.0),
    "lamp": (-2.0, 3.0),
    "plant": (2.5, 2.5),
    "chair": (1.0, 5.0),
    "box": (3.0, 4.0),
}


@pytest.fixture(scope="module")
def ctx(scene_kit):
    boxes = [
        scene_kit.Box(i, name, (x, y, 0.15), (0.3, 0.3, 0.3))
        for i, (name, (x, y)) in enumerate(PLACES.items(), 1)
    ]
    pose = scene_kit.look_at((0.0, 0.0, 1.5), (0.0, 4.0, 0.3))
    frame = scene_kit.frame("cam", pose, focal=100, width=200, height=160)
    return Context(scene_kit.scene(boxes, frames=[frame]), ("cam",), seed=0)


def xy(scene, instance_id: int) -> np.ndarray:
    return minimal_obb(scene, instance_id).center[:2]


def ccw(forward, vector) -> float:
    """Counter-clockwise degrees from ``forward`` to ``vector``, in (-180, 180]."""
    angle = math.degrees(math.atan2(vector[1], vector[0]) - math.atan2(forward[1], forward[0]))
    return -((-angle + 180.0) % 360.0 - 180.0)


def chosen(sample) -> str:
    return next(c[3:] for c in sample.choices if c.startswith(sample.answer + "."))


def roles(sample) -> dict[str, int]:
    return {ref.role: ref.instance_id for ref in sample.objects}


def run(name, ctx, limit=200, **params):
    return draw_samples(get_task(name)(**params), ctx, limit=limit)


def viewer(ctx, sample):
    """(position, heading) of the sample's viewer, from the scene, independently."""
    who = roles(sample)
    heading = ctx.scene.frame("cam").pose[:2, 2] if "facing" not in who else None
    position = (
        ctx.scene.frame("cam").center[:2]
        if "standing" not in who
        else xy(ctx.scene, who["standing"])
    )
    if heading is None:
        heading = xy(ctx.scene, who["facing"]) - position
    return position, heading


def test_clock_hours(ctx):
    samples = run("clock_direction", ctx)
    assert samples
    for sample in samples:
        position, heading = viewer(ctx, sample)
        clockwise = -ccw(heading, xy(ctx.scene, roles(sample)["target"]) - position) % 360
        hour = round(clockwise / 30) % 12 or 12
        assert sample.answer == str(hour) and sample.value == hour
        assert abs(clockwise - 30 * round(clockwise / 30)) <= 10.0  # 5 deg from a half hour
        assert sample.views == ("cam",) and sample.metric == "clock_within_1h"
    by = {(s.objects[0].category, s.objects[-1].category): s.answer for s in samples}
    assert by[("vase", "vase")] == "12" and by[("lamp", "lamp")] == "11"
    assert by[("box", "box")] == "1" and ("plant", "plant") not in by
    assert by[("vase", "lamp")] == "8"  # at the vase, facing +y: (-2, -1) is 243.4 deg cw


def test_goal_aiming(ctx):
    samples = run("goal_aiming", ctx)
    found = {}
    for sample in samples:
        position, heading = viewer(ctx, sample)
        yaw = ccw(heading, xy(ctx.scene, roles(sample)["target"]) - position)
        answer = "straight" if abs(yaw) <= 10 else "left" if yaw > 0 else "right"
        assert chosen(sample) == answer
        assert min(abs(abs(yaw) - 10), 180 - abs(yaw)) >= 5.0
        if "standing" not in roles(sample):
            found[sample.objects[0].category] = answer
    assert found == {"vase": "straight", "lamp": "left", "box": "right", "plant": "right"}


def test_action_consequence_from_its_program(ctx):
    samples = run("action_consequence", ctx)
    assert {s.answer for s in samples} == {"yes", "no"}
    for sample in samples:
        args = json.loads(sample.program)["args"]
        position, heading = viewer(ctx, sample)
        heading = heading / np.linalg.norm(heading)
        turn = math.radians(args["turn_deg"])
        rotated = np.array(
            [
                math.cos(turn) * heading[0] - math.sin(turn) * heading[1],
                math.sin(turn) * heading[0] + math.cos(turn) * heading[1],
            ]
        )
        moved = position + args["step_m"] * rotated
        goal = xy(ctx.scene, roles(sample)["target"])
        if args["query"] == "closer":
            change = np.linalg.norm(goal - position) - np.linalg.norm(goal - moved)
            assert abs(change) >= 0.5
            assert sample.answer == ("yes" if change > 0 else "no")
        else:
            before, after = ccw(heading, goal - position), ccw(rotated, goal - moved)
            assert abs(after - before) >= 10.0
            assert sample.answer == ("yes" if after > before else "no")
        assert sample.views == ("cam",)


def test_perspective_taking(ctx):
    samples = run("perspective_taking", ctx)
    assert {chosen(s) for s in samples} >= {"left", "right", "closer", "farther"}
    for sample in samples:
        who = roles(sample)
        here = xy(ctx.scene, who["standing"])
        forward = xy(ctx.scene, who["facing"]) - here
        right = np.array([forward[1], -forward[0]]) / np.linalg.norm(forward)
        target = xy(ctx.scene, who["target"]) - here
        if "reference" in who:
            reference = xy(ctx.scene, who["reference"]) - here
            gap = np.linalg.norm(target) - np.linalg.norm(reference)
            assert abs(gap) >= 0.3 and chosen(sample) == ("closer" if gap < 0 else "farther")
        else:
            side = float(target @ right)
            assert abs(side) >= 0.3 and chosen(sample) == ("right" if side > 0 else "left")


@pytest.mark.parametrize(
    "name", ["clock_direction", "goal_aiming", "action_consequence", "perspective_taking"]
)
def test_procedural_room_programs_and_determinism(name):
    ctx = rooms_kit.context(seed=0, index=0, views=8)
    samples = run(name, ctx, limit=12)
    assert samples
    assert samples == run(name, rooms_kit.context(seed=0, index=0, views=8), limit=12)
    for sample in samples:
        fact = execute(json.loads(sample.program), ctx.scene)
        shown = chosen(sample) if sample.answer_type == "mc" else sample.answer
        assert shown == str(fact.value)
        assert set(sample.views) <= set(ctx.views)
