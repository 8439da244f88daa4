"""Object-movement tasks on a hand-built room where one chair moves, answers worked on paper.

Boxes (centre on the floor plan; full size; all standing on the floor):
  chair (0.0, 3.0)   0.5 cube         moved at t = 1 s by (-0.5, 0): to (-0.5, 3.0)
  table (1.3, 3.5)   0.8 x 0.6 x 0.8  still
  lamp  (-1.4, 3.6)  0.3 x 0.3 x 0.6  still
  sofa  (0.0, 5.0)   2.0 x 0.9 x 0.8  still
  bin   (1.4, 2.3)   0.3 x 0.3 x 0.4  still
  stool (-1.0, 2.0)  0.4 x 0.4 x 0.5  turned 90 degrees in place at t = 1 s (no displacement)
  shelf (2.5, 5.0)   0.8 x 0.4 x 1.0  still
Cameras: "a" (t = 0) at (0, -1, 1.4) and "b" (t = 2) at (0.4, -1, 1.5), both looking at
(0, 3, 0.3): a's heading is +y, so its right is +x; "c" (t = 0.5) like "a", before the move.
From "a" the chair moves x = -0.5 (left), z = 0: 0.5 m left, margin 0.5 - 0 = 0.5 m.
"d" (t = 0.2) and "e" (t = 2.5) at (2.5, 2, 1.4) look along +y at the shelf: the chair, at
most 2.5 - 0.25 = 2.25 m to their left at 1 m ahead, is out of their 65 degree view. "g"
(t = 0.3) at (-2, -1, 1.4) has heading 45 degrees: right (0.707, -0.707), forward (0.707,
0.707), so the chair's (-0.5, 0) is x = -0.354, z = -0.354: margin 0, too close to call.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from spatialqa.generators import Context, draw_samples, get_task
from spatialqa.generators.movement import moving_pairs, pair_referents
from spatialqa.oracle import execute
from spatialqa.scenes import Keyframe

BOXES = [
    (1, "chair", (0.0, 3.0, 0.25), (0.5, 0.5, 0.5)),
    (2, "table", (1.3, 3.5, 0.4), (0.8, 0.6, 0.8)),
    (3, "lamp", (-1.4, 3.6, 0.3), (0.3, 0.3, 0.6)),
    (4, "sofa", (0.0, 5.0, 0.4), (2.0, 0.9, 0.8)),
    (5, "bin", (1.4, 2.3, 0.2), (0.3, 0.3, 0.4)),
    (6, "stool", (-1.0, 2.0, 0.25), (0.4, 0.4, 0.5)),
    (7, "shelf", (2.5, 5.0, 0.5), (0.8, 0.4, 1.0)),
]


def turn_in_place(center, degrees):
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    pose = np.eye(4)
    pose[:3, :3] = [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]
    pose[:3, 3] = np.asarray(center) - pose[:3, :3] @ np.asarray(center)
    return pose


@pytest.fixture(scope="module")
def ctx(scene_kit) -> Context:
    objects = [scene_kit.Box(i, c, centre, size) for i, c, centre, size in BOXES]
    look = (0.0, 3.0, 0.3)
    aside = ((2.5, 2.0, 1.4), (2.5, 5.0, 0.5))  # sees the shelf, not the chair
    cameras = [
        ("a", (0, -1, 1.4), look, 0.0),
        ("d", *aside, 0.2),
        ("g", (-2, -1, 1.4), (0.5, 1.5, 0.3), 0.3),  # heading 45 degrees
        ("c", (0, -1, 1.4), look, 0.5),
        ("b", (0.4, -1, 1.5), look, 2.0),
        ("e", *aside, 2.5),
    ]
    frames = [
        scene_kit.frame(name, scene_kit.look_at(eye, at), 125, 160, 120, t=t)
        for name, eye, at, t in cameras
    ]
    scene = scene_kit.scene(objects, frames=frames)
    shift = np.eye(4)
    shift[0, 3] = -0.5
    motion = {
        1: (Keyframe(1.0, shift),),
        6: (Keyframe(1.0, turn_in_place((-1.0, 2.0, 0.25), 90.0)),),
    }
    scene = replace(
        scene,
        objects=tuple(replace(o, motion=motion.get(o.id, ())) for o in scene.objects),
    )
    return Context(scene, ("a", "c", "b"), seed=0, trajectory=tuple(c[0] for c in cameras))


def run(name, ctx, **params):
    return draw_samples(get_task(name)(**params), ctx, limit=50)


def chosen(sample) -> str:
    return next(c[3:] for c in sample.choices if c.startswith(sample.answer + "."))


def test_pairs_straddle_the_keyframe_and_name_what_both_frames_show(ctx):
    # a (0 s) and c (0.5 s) are before the keyframe at 1 s, b (2 s) after; first earlier.
    assert moving_pairs(ctx) == [("a", "b"), ("c", "b")]
    named = pair_referents(ctx, "a", "b")
    assert dict(named) == {
        "bin": 5,
        "chair": 1,
        "lamp": 3,
        "shelf": 7,
        "sofa": 4,
        "stool": 6,
        "table": 2,
    }


def test_object_moved_offers_the_chair_among_still_objects(ctx):
    samples = run("object_moved", ctx)
    assert len(samples) == 2  # one per moving pair: only the chair moved 0.1 m or more
    for sample in samples:
        assert chosen(sample) == "chair"
        options = [c[3:] for c in sample.choices]
        assert len(options) == 4 and "stool" not in options  # turned in place: never offered
        assert set(options) - {"chair"} <= {"table", "lamp", "sofa", "bin", "shelf"}
        assert sample.question.startswith(
            (
                "Between the first and the second image, which of these objects was moved?",
                "Comparing the two images",
                "One of these objects",
            )
        )
        assert sample.views in (("a", "b"), ("c", "b"))
        assert "chair" in sample.rationale and "0.50 m" in sample.rationale
        assert execute(json.loads(sample.program), ctx.scene).value == "chair"


def test_object_displacement_is_half_a_metre(ctx):
    samples = run("object_displacement", ctx)
    # Chair: 0.5 m on both pairs. Stool: 0 m (a turn), rejected below 0.1 m.
    assert [(s.answer, s.objects[0].category) for s in samples] == [("0.50", "chair")] * 2
    assert samples[0].value == pytest.approx(0.5, abs=1e-12)
    assert {s.task for s in run("object_displacement_mc", ctx)} == {"object_displacement_mc"}


def test_object_move_direction_is_left_in_the_first_camera(ctx):
    samples = run("object_move_direction", ctx)
    assert len(samples) == 2
    for sample in samples:
        assert chosen(sample) == "left"
        assert sorted(c[3:] for c in sample.choices) == sorted(
            ["left", "right", "towards the camera", "away from the camera"]
        )
        assert sample.margin == pytest.approx(0.5, abs=1e-12)


def test_sat_style_gives_two_options_in_both_orders(ctx):
    samples = run("object_move_direction", ctx, sat_style=True)
    assert len(samples) == 4  # 2 pairs x 2 orders
    assert {s.choices for s in samples} == {("A. left", "B. right"), ("A. right", "B. left")}
    assert all(chosen(s) == "left" for s in samples)
    assert sorted(s.answer for s in samples) == ["A", "A", "B", "B"]


def test_frames_on_one_side_of_the_motion_ask_nothing(ctx):
    before = replace(ctx, views=("a", "c"))
    for name in ("object_moved", "object_displacement", "object_move_direction"):
        assert run(name, before) == []


def test_abstains_when_the_pair_shows_no_chair(ctx):
    # Delivered: d (before) and e (after), in the states of a and b; neither shows the chair.
    hidden = replace(ctx, views=("d", "e"), abstention=1.0)
    for name in ("object_displacement", "object_move_direction"):
        items = run(name, hidden)
        assert items and all(not s.answerable for s in items)
        for sample in items:
            assert sample.views == ("d", "e")
            assert sample.abstain_reason == "referent not visible in the given views: chair (id 1)"
            assert set(sample.answerable_views) <= {"a", "g", "c", "b"}  # all show it
            assert sample.rationale.endswith("cannot be determined from the given views.")


def test_abstains_when_the_first_camera_leaves_the_direction_too_close(ctx):
    # Delivered g (heading 45 degrees, margin 0) and b; a, seen instead of g, decides it.
    turned = replace(ctx, views=("g", "b"), abstention=1.0)
    assert run("object_move_direction", replace(turned, abstention=0.0)) == []
    items = run("object_move_direction", turned)
    assert items
    for sample in items:
        assert sample.views == ("g", "b") and sample.answerable_views in (("a",), ("c",))
        assert sample.abstain_reason.startswith("margin within the threshold")
        assert " is 0.00 m" in sample.abstain_reason
