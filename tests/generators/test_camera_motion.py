"""Camera-motion tasks on six hand-placed cameras, answers from the poses by plain numpy.

All cameras look horizontally (heading in degrees counter-clockwise from world +x):
  f0 (0, 0, 1.5) 90     f1 (2, 0.3, 1.5) 90    f2 (0.2, 3, 1.8) 180
  f3 (-1.5, -0.5, 1.2) 60    f4 (0, 0.5, 1.55) 93    f5 (0.1, -2.5, 1.5) 265
From f0 (facing +y, right = +x): f1 is 2 m right, f2 3 m forward, 0.3 m up and turned 90 deg
left, f3 1.5 m left, 0.3 m down and turned 30 deg right, f4 only 0.5 m away and 3 deg turned
(too little for any direction question), f5 2.5 m behind and turned 175 deg (too close to a
half turn to say left or right).
"""

import json
import math

import numpy as np
import pytest
import rooms_kit

from spatialqa.generators import Context, draw_samples, get_task
from spatialqa.generators.viewer import heading_views
from spatialqa.oracle import execute

CAMERAS = {
    "f0": ((0.0, 0.0, 1.5), 90.0),
    "f1": ((2.0, 0.3, 1.5), 90.0),
    "f2": ((0.2, 3.0, 1.8), 180.0),
    "f3": ((-1.5, -0.5, 1.2), 60.0),
    "f4": ((0.0, 0.5, 1.55), 93.0),
    "f5": ((0.1, -2.5, 1.5), 265.0),
}
TASKS = (
    "camera_displacement",
    "camera_displacement_mc",
    "camera_motion_direction",
    "camera_relative_position",
    "camera_rotation",
    "camera_elevation_change",
)


@pytest.fixture(scope="module")
def ctx(scene_kit):
    frames = []
    for t, (name, (eye, yaw)) in enumerate(CAMERAS.items()):
        ahead = (eye[0] + math.cos(math.radians(yaw)), eye[1] + math.sin(math.radians(yaw)), eye[2])
        frames.append(scene_kit.frame(name, scene_kit.look_at(eye, ahead), t=float(t)))
    room = scene_kit.box_mesh((0.0, 0.0, 1.5), (30.0, 30.0, 6.0))
    table = scene_kit.Box(1, "table", (0.0, 6.0, 0.4), (1.0, 1.0, 0.8))
    scene = scene_kit.scene([table], structure=[room], frames=frames)
    return Context(scene, tuple(CAMERAS), seed=0)


def run(name, ctx, **params):
    samples = draw_samples(get_task(name)(**params), ctx, limit=100)
    return {sample.views: sample for sample in samples}


def chosen(sample) -> str:
    return next(c[3:] for c in sample.choices if c.startswith(sample.answer + "."))


def offset(ctx, first, second) -> np.ndarray:
    """Independent: the second centre in the first camera's axes, R1^T (c2 - c1)."""
    a, b = ctx.scene.frame(first).pose, ctx.scene.frame(second).pose
    return a[:3, :3].T @ (b[:3, 3] - a[:3, 3])


def yaw_change(ctx, first, second) -> float:
    headings = [ctx.scene.frame(f).pose[:2, 2] for f in (first, second)]
    angles = [math.degrees(math.atan2(h[1], h[0])) for h in headings]
    return (angles[1] - angles[0] + 180.0) % 360.0 - 180.0


def test_each_sample_shows_exactly_its_two_frames(ctx):
    for name in TASKS:
        samples = draw_samples(get_task(name)(), ctx, limit=100)
        assert samples, name
        for sample in samples:
            assert len(sample.views) == 2 and sample.views[0] != sample.views[1]
            assert json.loads(sample.program)["args"] == {
                "view1": sample.views[0],
                "view2": sample.views[1],
            }
            assert sample.objects == ()


def test_displacement(ctx):
    samples = run("camera_displacement", ctx)
    for (first, second), sample in samples.items():
        truth = float(np.linalg.norm(offset(ctx, first, second)))
        assert sample.value == pytest.approx(truth) and 0.2 <= truth <= 10.0
        assert sample.answer == f"{math.floor(truth * 10 + 0.5) / 10:.1f}"
    assert samples[("f0", "f4")].answer == "0.5"  # (0, 0.5, 0.05): 0.5025 m
    assert samples[("f0", "f1")].value == pytest.approx(math.hypot(2.0, 0.3))


def test_motion_direction_and_relative_position(ctx):
    motion = run("camera_motion_direction", ctx)
    where = run("camera_relative_position", ctx)
    names = {"x": ("left", "right"), "z": ("backward", "forward")}
    places = {"left": "left", "right": "right", "forward": "in front", "backward": "behind"}
    for views, sample in motion.items():
        x, _, z = offset(ctx, *views)
        axis, value = ("z", z) if abs(z) >= abs(x) else ("x", x)
        assert abs(value) >= 1.0 and abs(abs(x) - abs(z)) >= 0.25
        assert chosen(sample) == names[axis][int(value > 0)]
        assert chosen(where[views]) == places[chosen(sample)]
    assert chosen(motion[("f0", "f1")]) == "right"  # world +x seen from a +y camera
    assert chosen(motion[("f0", "f2")]) == "forward"
    assert chosen(motion[("f0", "f3")]) == "left"
    assert chosen(motion[("f0", "f5")]) == "backward"
    assert chosen(where[("f0", "f5")]) == "behind"
    assert ("f0", "f4") not in motion  # 0.5 m: under the 1 m the dominant axis needs
    assert set(motion) == set(where)


def test_rotation(ctx):
    samples = run("camera_rotation", ctx)
    for views, sample in samples.items():
        change = yaw_change(ctx, *views)
        assert min(abs(change), 180 - abs(change)) >= 8.0
        assert chosen(sample) == ("left" if change > 0 else "right")
        assert sample.value == pytest.approx(change)
    assert chosen(samples[("f0", "f2")]) == "left"  # +90
    assert chosen(samples[("f0", "f3")]) == "right"  # -30
    assert chosen(samples[("f2", "f5")]) == "left"  # 180 -> 265: +85
    assert ("f0", "f4") not in samples and ("f0", "f1") not in samples  # 3 and 0 deg
    assert ("f0", "f5") not in samples  # 175 deg: 5 deg from a half turn


def test_elevation(ctx):
    samples = run("camera_elevation_change", ctx)
    for (first, second), sample in samples.items():
        change = ctx.scene.frame(second).center[2] - ctx.scene.frame(first).center[2]
        assert abs(change) >= 0.1 and chosen(sample) == ("up" if change > 0 else "down")
    assert chosen(samples[("f0", "f2")]) == "up" and chosen(samples[("f0", "f3")]) == "down"
    assert chosen(samples[("f3", "f2")]) == "up"  # 1.2 -> 1.8
    assert ("f0", "f4") not in samples  # 5 cm


@pytest.mark.parametrize("name", TASKS)
def test_programs_re_execute_and_runs_repeat(ctx, name):
    samples = draw_samples(get_task(name)(), ctx, limit=100)
    assert samples == draw_samples(
        get_task(name)(), Context(ctx.scene, ctx.views, seed=0), limit=100
    )
    for sample in samples:
        fact = execute(json.loads(sample.program), ctx.scene)
        if isinstance(fact.value, str):
            assert chosen(sample) == fact.value
        else:
            assert sample.value == pytest.approx(fact.value)


def test_procedural_walkthrough_matches_the_poses():
    ctx = rooms_kit.context(seed=0, index=0, views=8)
    motion = run("camera_motion_direction", ctx)
    rotation = run("camera_rotation", ctx)
    assert motion and rotation
    for views, sample in motion.items():
        x, _, z = offset(ctx, *views)
        expected = (
            ("right" if x > 0 else "left")
            if abs(x) > abs(z)
            else ("forward" if z > 0 else "backward")
        )
        assert chosen(sample) == expected
    for views, sample in rotation.items():
        assert chosen(sample) == ("left" if yaw_change(ctx, *views) > 0 else "right")


def test_a_camera_looking_straight_down_gets_no_heading_question(ctx, scene_kit):
    down = scene_kit.frame(
        "down", scene_kit.look_at((0.0, 6.0, 3.0), (0.0, 6.0, 0.0), up=(0.0, 1.0, 0.0)), t=9.0
    )
    frames = (*ctx.scene.trajectories[0].frames, down)
    scene = scene_kit.scene(
        [scene_kit.Box(1, "table", (0.0, 6.0, 0.4), (1.0, 1.0, 0.8))],
        structure=[s.mesh for s in ctx.scene.structure],
        frames=frames,
    )
    with_down = Context(scene, (*ctx.views, "down"), seed=0)
    rotations = run("camera_rotation", with_down)
    assert rotations and all("down" not in views for views in rotations)
    assert any("down" in views for views in run("camera_elevation_change", with_down))
    assert heading_views(with_down) == list(ctx.views)  # clock, aiming, action questions
