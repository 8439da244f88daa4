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

from spatialqa.errors import TaskError
from spatialqa.generators import Context, draw_samples, get_task
from spatialqa.generators.movement import moving_pairs, pair_referents
from spatialqa.generators.task import MOTION_NOTE
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


def test_scene_level_questions_over_the_move_say_they_use_the_first_image(ctx):
    # Views a (0 s), c (0.5 s), b (2 s): the chair moves at 1 s. Closest points of chair and
    # table, first state: chair x in [-0.25, 0.25], table x from 0.9; their y (chair 2.75-3.25,
    # table 3.2-3.8) and z overlap, so 0.9 - 0.25 = 0.65 m (after the move 0.9 + 0.25 = 1.15).
    samples = run("object_abs_distance", ctx)
    (pair,) = [s for s in samples if {r.category for r in s.objects} == {"chair", "table"}]
    assert pair.value == pytest.approx(0.65, abs=1e-9)
    for sample in samples:
        note, stem = sample.question.split("\n", 1)
        assert note == MOTION_NOTE and MOTION_NOTE not in stem
        vsi_note, vsi_stem = sample.question_vsi.split("\n", 1)
        assert vsi_note == MOTION_NOTE and MOTION_NOTE not in vsi_stem
        assert sample.rationale.endswith(
            " The room is taken as it is at the first image (a, t = 0.00 s); objects move after it."
        )
    # Before the move only (a, c): one state, so the same question without the note.
    still = run("object_abs_distance", replace(ctx, views=("a", "c")))
    assert still and not any(
        MOTION_NOTE in s.question or "first image (" in s.rationale for s in still
    )


def test_frame_and_pair_questions_carry_no_motion_note(ctx):
    # object_displacement names two frames (view1, view2), depth_order one (view): each
    # already answers in its own frames' states.
    for name in ("object_displacement", "object_moved", "depth_order"):
        samples = run(name, ctx)
        assert samples, name
        assert not any(MOTION_NOTE in s.question for s in samples), name


def test_scene_level_questions_need_the_scene_as_at_the_first_image(ctx):
    # The chair moves twice: -0.5 m in x at 1 s, another -0.5 m at 2.2 s. Views b (2 s) and
    # e (2.5 s) see two states; the first image b sees the chair after its first move.
    shift = np.eye(4)
    shift[0, 3] = -0.5
    twice = np.eye(4)
    twice[0, 3] = -1.0
    chair = replace(ctx.scene.object(1), motion=(Keyframe(1.0, shift), Keyframe(2.2, twice)))
    scene = replace(ctx.scene, objects=(chair, *ctx.scene.objects[1:]))
    raw = Context(scene, ("b", "e"), seed=0)
    with pytest.raises(TaskError, match=r"object_abs_distance: .*first image \(b, t = 2 s\)"):
        run("object_abs_distance", raw)
    # As a build asks it: from b's time on. Chair x in [-0.75, -0.25]: 0.9 + 0.25 = 1.15 m.
    samples = run("object_abs_distance", replace(raw, scene=scene.from_time(2.0)))
    (pair,) = [s for s in samples if {r.category for r in s.objects} == {"chair", "table"}]
    assert pair.value == pytest.approx(1.15, abs=1e-9)
    assert pair.question.startswith(MOTION_NOTE + "\n")
    assert pair.rationale.endswith("first image (b, t = 2.00 s); objects move after it.")


def test_a_procedural_moved_walk_asks_the_first_image_s_room():
    from spatialqa.scenes import procedural_scene

    scene = procedural_scene(0, 0, frames=12, moved=True).resized(160, 120)
    views = tuple(frame.id for frame in scene.trajectory("moved").frames)
    first, last = scene.frame(views[0]), scene.frame(views[-1])
    moving = {o.id for o in scene.objects if o.motion}
    assert moving and scene.state_key(first.t) != scene.state_key(last.t)
    ctx = Context(scene.from_time(first.t), views, seed=0, trajectory=views)
    samples = run("object_abs_distance", ctx)
    changed = 0
    for sample in samples:
        assert sample.question.startswith(MOTION_NOTE + "\n")
        assert f"first image ({first.id}, t = {first.t:.2f} s)" in sample.rationale
        program = json.loads(sample.program)
        # the answer is the first image's room, re-asked of the scene as at that frame
        assert sample.value == execute(program, scene.at_frame(first.id)).value
        if moving & {ref.instance_id for ref in sample.objects}:
            changed += sample.value != execute(program, scene.at_frame(last.id)).value
    assert changed > 0  # some pair involves the moved piece, whose distance the move changes
    # The same room's walkthrough comes before every keyframe: its samples are those of the
    # room built without motion, byte for byte.
    walk = tuple(frame.id for frame in scene.trajectory("walkthrough").frames)
    still = procedural_scene(0, 0, frames=12).resized(160, 120)
    for name in ("object_abs_distance", "cognitive_map", "room_size_estimation"):
        assert run(name, Context(scene, walk, seed=0)) == run(name, Context(still, walk, seed=0))
