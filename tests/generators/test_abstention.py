"""Abstention on a room whose delivered view misses objects another frame shows.

Boxes on the floor along x: table (0, 0) 1.2 x 0.8 x 0.75, sofa (3, 0) 2.0 x 0.9 x 0.8,
chair (1.5, 1.5) 0.5 x 0.5 x 0.9, and far away at x = 20 a lamp (0.4 x 0.4 x 1.5) and a second
chair (21.5, 1.5). Camera "near" looks at x = 1.5 from 4 m away (horizontal field of view
2 atan(80 / 75) = 94 deg, so it spans about x in [-2.8, 5.8]); camera "far" looks at x = 20
the same way and sees only the lamp and the second chair; camera "mid" at x = 10 sees only
a pillar (structure: it occludes, it is never asked about). Camera "side" stands at
(-4, -1, 1.5) and looks along the row (at (3, 0, 0.4)): there the table is about 3 m nearer
than the sofa, while "near" sees both at one depth (their fronts at y = -0.40 and -0.45, their
tops at 0.75 and 0.80 m: the visible parts' depths differ by well under 0.15 m). Delivered:
("near",); the trajectory: near, mid, far (and side, where a test says so).
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from spatialqa.generators import Context, draw_samples, get_task
from spatialqa.generators.sample import ABSTAIN_ANSWER
from spatialqa.oracle import execute

BOXES = [
    (1, "table", (0.0, 0.0), (1.2, 0.8, 0.75)),
    (2, "sofa", (3.0, 0.0), (2.0, 0.9, 0.8)),
    (3, "lamp", (20.0, 0.0), (0.4, 0.4, 1.5)),
    (4, "chair", (1.5, 1.5), (0.5, 0.5, 0.9)),
    (5, "chair", (21.5, 1.5), (0.5, 0.5, 0.9)),
]


@pytest.fixture(scope="module")
def scene(scene_kit):
    boxes = [
        scene_kit.Box(i, category, (x, y, size[2] / 2), size) for i, category, (x, y), size in BOXES
    ]

    def camera(name, x, t):
        pose = scene_kit.look_at((x, -4.0, 1.5), (x, 0.5, 0.4))
        return scene_kit.frame(name, pose, focal=75, width=160, height=120, t=t)

    frames = [camera("near", 1.5, 0.0), camera("mid", 10.0, 1.0), camera("far", 20.0, 2.0)]
    side = scene_kit.look_at((-4.0, -1.0, 1.5), (3.0, 0.0, 0.4))
    frames.append(scene_kit.frame("side", side, focal=75, width=160, height=120, t=3.0))
    pillar = scene_kit.box_mesh((10.0, 0.5, 1.0), (0.3, 0.3, 2.0))
    return scene_kit.scene(boxes, structure=[pillar], frames=frames)


def context(scene, share: float) -> Context:
    return Context(scene, ("near",), seed=0, trajectory=("near", "mid", "far"), abstention=share)


def test_the_cameras_see_what_the_docstring_says(scene):
    ctx = context(scene, 0.0)
    assert ctx.visible == {1, 2, 4}
    assert ctx.visible_in(["far"]) == {3, 5}
    assert ctx.visible_in(["mid"]) == set()


def test_without_abstention_hidden_objects_are_never_asked(scene):
    samples = draw_samples(get_task("object_size_estimation")(), context(scene, 0.0), 10)
    assert sorted(s.objects[0].category for s in samples) == ["sofa", "table"]
    assert all(s.answerable and s.answer_type == "number" for s in samples)


def test_a_hidden_referent_makes_an_abstention_item_with_the_frame_that_shows_it(scene):
    samples = draw_samples(get_task("object_size_estimation")(), context(scene, 0.5), 2)
    answerable = [s for s in samples if s.answerable]
    (hidden,) = [s for s in samples if not s.answerable]
    assert len(answerable) == 1 and answerable[0].objects[0].category in ("table", "sofa")
    assert hidden.answer_type == "abstain" and hidden.answer == ABSTAIN_ANSWER
    assert [(o.instance_id, o.category) for o in hidden.objects] == [(3, "lamp")]
    assert hidden.abstain_reason == "referent not visible in the given views: lamp (id 3)"
    assert hidden.answerable_views == ("far",) and hidden.views == ("near",)
    assert hidden.value is None and hidden.margin is None
    assert "far" in hidden.rationale and ABSTAIN_ANSWER in hidden.rationale
    # The program still names the lamp, and re-runs to its 150 cm height.
    assert execute(json.loads(hidden.program), scene).value == pytest.approx(150.0)
    assert len({s.index for s in samples}) == len(samples)


def test_the_share_decides_how_many_and_pairs_name_the_missing_one(scene):
    samples = draw_samples(get_task("object_abs_distance")(), context(scene, 0.5), 4)
    hidden = [s for s in samples if not s.answerable]
    # Pairs with the lamp: (table, lamp) and (sofa, lamp), both unanswerable from "near".
    assert len(hidden) == 2 and len(samples) == 3  # one answerable pair: table-sofa
    for sample in hidden:
        categories = {o.category for o in sample.objects}
        assert "lamp" in categories and len(categories) == 2
        assert sample.answerable_views == ("far",)


def test_counting_abstains_when_the_views_miss_an_instance(scene):
    ctx = context(scene, 0.5)
    assert draw_samples(get_task("object_counting")(), context(scene, 0.0), 4) == []
    (sample,) = draw_samples(get_task("object_counting")(), ctx, 2)
    assert sample.answer_type == "abstain"
    assert sample.abstain_reason == "referent not visible in the given views: chair (id 5)"
    assert sample.answerable_views == ("far",)


def test_abstention_is_deterministic(scene):
    task = get_task("object_abs_distance")
    assert draw_samples(task(), context(scene, 0.5), 4) == draw_samples(
        task(), context(scene, 0.5), 4
    )


def test_a_view_grounded_question_is_asked_of_a_view_that_misses_its_referent(scene):
    # Over the trajectory, "far" shows the lamp (id 3): asked of the delivered "near", which
    # shows no lamp, the question cannot be answered; "far" would answer it. The far chair
    # (id 5) is never asked of "near": near shows another chair, which the question would name.
    samples = draw_samples(get_task("camera_object_distance")(), context(scene, 1.0), 3)
    hidden = [s for s in samples if not s.answerable]
    assert hidden
    for sample in hidden:
        assert sample.answer_type == "abstain" and sample.views == ("near",)
        assert [(o.instance_id, o.category) for o in sample.objects] == [(3, "lamp")]
        assert sample.answerable_views == ("far",)
        assert sample.abstain_reason == "referent not visible in the given views: lamp (id 3)"
        assert sample.labels is None


def test_counting_what_a_view_shows_makes_no_abstention_items(scene):
    # "How many lamps are visible in this image?" has an answer, 0, in a view without lamps.
    samples = draw_samples(get_task("visible_count")(), context(scene, 1.0), 3)
    assert all(s.answerable for s in samples)


def test_a_view_that_leaves_the_margin_within_the_threshold_makes_an_abstention_item(scene):
    # Over near + side, "side" decides table vs sofa by depth; asked of the delivered "near",
    # where both show at one depth, the question abstains and names "side".
    ctx = Context(scene, ("near",), seed=0, trajectory=("near", "side"), abstention=1.0)
    asked = draw_samples(get_task("depth_order")(), dataclasses.replace(ctx, abstention=0.0), 5)
    assert asked and all({o.category for o in s.objects} != {"table", "sofa"} for s in asked)
    samples = draw_samples(get_task("depth_order")(), ctx, 5)
    (item,) = [s for s in samples if {o.category for o in s.objects} == {"table", "sofa"}]
    assert item.answer_type == "abstain" and item.answer == ABSTAIN_ANSWER
    assert item.views == ("near",) and item.answerable_views == ("side",)
    assert item.abstain_reason.startswith("margin within the threshold in the given view: ")
    assert item.abstain_reason.endswith("at most 0.15 m")
    difference = float(re.search(r"depth difference is ([0-9.]+) m", item.abstain_reason)[1])
    assert difference < 0.1
    # The program is the question asked of "side", where the table is the nearer by ~3 m.
    fact = execute(json.loads(item.program), scene)
    assert fact.value == "table" and fact.margin > 2.0


@pytest.fixture(scope="module")
def parade(scene_kit):
    """Four boxes 3 m apart along x (A..D at x = 0, 3, 6, 9); a narrow camera (horizontal field
    of view 2 atan(80 / 200) = 44 deg, about +-1.2 m at 3 m) looks at each in turn 2 s apart,
    then a wide one from 8 m back sees all four at t = 7 s."""
    names = ("bed", "desk", "shelf", "stool")
    boxes = [
        scene_kit.Box(i + 1, name, (3.0 * i, 0.0, 0.4), (0.8, 0.8, 0.8))
        for i, name in enumerate(names)
    ]
    frames = [
        scene_kit.frame(
            f"look{i}",
            scene_kit.look_at((3.0 * i, -3.0, 1.2), (3.0 * i, 0.0, 0.4)),
            focal=200,
            width=160,
            height=120,
            t=2.0 * i,
        )
        for i in range(4)
    ]
    wide = scene_kit.look_at((4.5, -8.0, 2.0), (4.5, 0.0, 0.4))
    frames.append(scene_kit.frame("wide", wide, focal=60, width=160, height=120, t=7.0))
    return scene_kit.scene(boxes, frames=frames)


def test_views_that_merge_first_appearances_make_an_abstention_item(parade):
    trajectory = ("look0", "look1", "look2", "look3", "wide")
    ctx = Context(parade, ("wide",), seed=0, trajectory=trajectory, abstention=1.0)
    assert ctx.visible == {1, 2, 3, 4}
    assert [ctx.visible_in([f"look{i}"]) for i in range(4)] == [{1}, {2}, {3}, {4}]
    task = get_task("obj_appearance_order")
    assert draw_samples(task(), dataclasses.replace(ctx, abstention=0.0), 1) == []
    (item,) = draw_samples(task(), ctx, 1)
    # In "wide" all four appear at once (gap 0 s); the looks 2 s apart would decide the order.
    assert item.answer_type == "abstain" and item.views == ("wide",)
    assert item.answerable_views == ("look0", "look1", "look2", "look3")
    assert item.abstain_reason == (
        "margin within the threshold in the given view: the smallest gap between first "
        "appearances is 0.00 s, at most 1.00 s"
    )
    assert execute(json.loads(item.program), parade).value == "bed, desk, shelf, stool"
