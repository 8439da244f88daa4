"""The four skeleton tasks on a hand-built room whose answers are worked out on paper.

Boxes (centre; full size x, y, z; all on the floor, so z spans [0, size_z]):
  table  (1.0, 1.0)   1.2 x 0.8 x 0.75  -> x [0.4, 1.6], y [0.6, 1.4]
  sofa   (4.0, 1.0)   2.0 x 0.9 x 0.8   -> x [3.0, 5.0], y [0.55, 1.45]
  bed    (4.0, 4.05)  2.0 x 1.6 x 0.5   -> x [3.0, 5.0], y [3.25, 4.85]
  lamp   (1.0, 4.1)   0.4 x 0.4 x 1.5   -> x [0.8, 1.2], y [3.9, 4.3]
  chair  (2.3, 2.5) and (2.3, 3.3)  0.5 x 0.5 x 0.9 (two instances: countable, never named)
  vase   (4.0, 4.05)  0.1 x 0.1 x 0.1   -> inside the bed's box, hidden from every view
Two cameras above the room, in front and behind, see every box but the vase.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections import Counter
from itertools import combinations
from typing import ClassVar

import pytest

from spatialqa.errors import ConfigError, TaskError
from spatialqa.generators import Context, Draft, ObjectRef, Task, draw_samples, get_task
from spatialqa.oracle import Fact, execute

BOXES = [
    (1, "table", (1.0, 1.0), (1.2, 0.8, 0.75)),
    (2, "sofa", (4.0, 1.0), (2.0, 0.9, 0.8)),
    (3, "bed", (4.0, 4.05), (2.0, 1.6, 0.5)),
    (4, "lamp", (1.0, 4.1), (0.4, 0.4, 1.5)),
    (5, "chair", (2.3, 2.5), (0.5, 0.5, 0.9)),
    (6, "chair", (2.3, 3.3), (0.5, 0.5, 0.9)),
    (7, "vase", (4.0, 4.05), (0.1, 0.1, 0.1)),
]


@pytest.fixture(scope="module")
def room(scene_kit):
    boxes = [
        scene_kit.Box(i, category, (x, y, size[2] / 2), size) for i, category, (x, y), size in BOXES
    ]
    frames = [
        scene_kit.frame("f0", scene_kit.look_at((2.6, -4.0, 5.0), (2.6, 2.6, 0.4)), focal=300),
        scene_kit.frame(
            "f1", scene_kit.look_at((2.6, 8.0, 5.0), (2.6, 2.6, 0.4)), focal=300, t=1.0
        ),
    ]
    scene = scene_kit.scene(boxes, frames=frames)
    return Context(scene, ("f0", "f1"), seed=0)


def generate(name: str, ctx: Context, **params):
    return draw_samples(get_task(name)(**params), ctx, limit=100)


def by_categories(samples):
    return {tuple(o.category for o in s.objects): s for s in samples}


def test_only_visible_single_instance_categories_are_named(room):
    assert room.visible == {1, 2, 3, 4, 5, 6}
    assert room.unique == {"bed": 3, "lamp": 4, "sofa": 2, "table": 1}


def test_counting_asks_only_categories_with_two_or_more(room):
    (sample,) = generate("object_counting", room)
    assert sample.answer == "2" and sample.value == 2.0
    assert sample.question_vsi == "How many chair(s) are in this room?"
    assert sorted(o.instance_id for o in sample.objects) == [5, 6]


def test_size_is_the_longest_side_in_centimetres(room):
    answers = {s.objects[0].category: s.answer for s in generate("object_size_estimation", room)}
    # longest sides: table 1.2 m, sofa 2.0 m, bed 2.0 m, lamp 1.5 m (its height)
    assert answers == {"table": "120", "sofa": "200", "bed": "200", "lamp": "150"}


def test_abs_distance_between_closest_points(room):
    samples = by_categories(generate("object_abs_distance", room))
    expected = {
        ("sofa", "table"): 1.4,  # x gap 3.0 - 1.6, y ranges overlap
        ("bed", "table"): math.hypot(3.0 - 1.6, 3.25 - 1.4),  # corner to corner: 2.32
        ("lamp", "table"): 3.9 - 1.4,  # y gap, x ranges overlap: 2.5
        ("bed", "sofa"): 3.25 - 1.45,  # y gap: 1.8
        ("lamp", "sofa"): math.hypot(3.0 - 1.2, 3.9 - 1.45),  # 3.04
        ("bed", "lamp"): 3.0 - 1.2,  # x gap, y ranges overlap: 1.8
    }
    assert len(samples) == 6
    for pair, distance in expected.items():
        sample = samples.get(pair) or samples[pair[::-1]]
        assert sample.value == pytest.approx(distance, abs=1e-5)
        assert sample.answer == f"{distance:.1f}"
        assert sample.unit == "m" and sample.metric == "mra"
        assert "closest point" in sample.question


def test_rel_direction_hard_quadrants_and_boundary_rejection(room):
    samples = by_categories(generate("object_rel_direction_hard", room))

    def answer_text(sample):
        letter = sample.answer
        return next(c[3:] for c in sample.choices if c.startswith(letter + "."))

    # At the table (1, 1) facing the sofa (4, 1): forward is +x. The bed (4, 4.05) lies at
    # atan2(3.05, 3.0) = 45.5 deg counter-clockwise: front-left, 44.5 deg from a boundary.
    forward_left = samples[("table", "sofa", "bed")]
    assert answer_text(forward_left) == "front-left"
    assert forward_left.margin == pytest.approx(90 - math.degrees(math.atan2(3.05, 3.0)))
    # At the sofa (4, 1) facing the table (1, 1): forward is -x. The lamp (1, 4.1) lies at
    # atan2(3.1, -3) - 180 = -45.9 -> 314.1 deg: front-right (its +y is on the right).
    assert answer_text(samples[("sofa", "table", "lamp")]) == "front-right"
    # At the table facing the sofa, the lamp is at exactly 90 deg: on a boundary, rejected.
    assert ("table", "sofa", "lamp") not in samples
    assert all(s.margin >= 10 for s in samples.values())


@pytest.mark.parametrize(
    "name",
    [
        "object_counting",
        "object_size_estimation",
        "object_abs_distance",
        "object_rel_direction_hard",
    ],
)
def test_programs_re_execute_and_generation_is_deterministic(room, name):
    first = generate(name, room)
    assert first, name
    again = generate(name, Context(room.scene, room.views, seed=0))
    assert first == again
    task = get_task(name)
    for sample in first:
        assert sample.answer_type == task.answer_type
        fact = execute(json.loads(sample.program), room.scene)
        if sample.answer_type == "mc":
            assert f"{sample.answer}. {fact.value}" in sample.choices
        else:
            assert sample.value == fact.value


# The generic machinery of Task.generate, on tasks made here (never registered).


def fact(value) -> Fact:
    return Fact(value=value, unit=None, primitive="test", frame="world", program={"op": "test"})


class Scripted(Task):
    """Candidates are (answer, value, categories by role); ``make`` turns them into drafts."""

    name = "scripted"
    family = "test"
    answer_type = "number"
    metric = "mra"
    script: ClassVar[list] = []

    def candidates(self, ctx):
        return list(range(len(self.script)))

    def make(self, ctx, candidate, rng, letters):
        answer, value, roles = self.script[candidate]
        objects = tuple(ObjectRef(i, category, role) for i, (role, category) in enumerate(roles))
        return Draft(
            fact=fact(value),
            question=f"q{candidate}",
            answer=answer,
            value=value,
            rationale=answer,
            objects=objects,
        )


def scripted(answer_type: str, script: list, **attributes) -> type[Task]:
    return type("T", (Scripted,), {"answer_type": answer_type, "script": script, **attributes})


def test_yes_and_no_are_kept_equal_per_scene(room):
    script = [("yes", None, ())] * 15 + [("no", None, ())] * 5
    task = scripted("yes_no", script)()
    for limit, expected in ((8, (4, 4)), (12, (5, 5)), (2, (1, 1))):
        answers = [s.answer for s in draw_samples(task, room, limit)]
        assert (answers.count("yes"), answers.count("no")) == expected
    answers = [s.answer for s in draw_samples(task, room, 7)]  # odd: the extra one goes to a coin
    assert sorted((answers.count("yes"), answers.count("no"))) == [3, 4]


def test_numeric_answers_are_capped_per_bucket(room):
    # Buckets are a factor 1.5 wide: 1.0 and 1.1 share one, 3.0 and 10.0 have their own.
    script = [(str(v), v, ()) for v in [1.0] * 6 + [1.1] * 4 + [3.0] * 2 + [10.0] * 2]
    samples = draw_samples(scripted("number", script)(), room, 5)  # cap: ceil(0.4 * 5) = 2
    values = Counter(s.value for s in samples)
    assert len(samples) == 5 and values[1.0] + values[1.1] == 2
    assert values[3.0] + values[10.0] == 3  # the rest: two buckets, 2 + 2 on offer
    relaxed = draw_samples(scripted("number", script)(bucket_share=1.0), room, 5)
    assert len(relaxed) == 5


def test_categories_and_pairs_are_capped(room):
    names = ["bed", "lamp", "sofa", "table", "tv"]
    pairs = [(a, b) for a in names for b in names if a < b]  # every category in 4 pairs
    script = [("1.0", None, (("first", a), ("second", b))) for a, b in pairs]
    task = scripted("number", script)
    samples = draw_samples(task(category_share=0.25), room, 8)  # at most ceil(2) = 2 per category
    uses = Counter(o.category for s in samples for o in s.objects)
    assert max(uses.values()) == 2 and len(samples) <= 5
    assert len(draw_samples(task(category_share=1.0), room, 8)) == 8
    # The same pair asked again (other roles) counts against the pair cap: 0.25 * 4 -> 1.
    twice = [("1.0", None, (("first", "bed"), ("second", "tv")))] * 3
    assert len(draw_samples(scripted("number", twice)(), room, 4)) == 1
    # Four or more categories count as one set, capped like a triple (ceil(0.125 * 8) = 1),
    # and leave the per-category counts alone: the route through all five is asked once.
    route = [("mc", None, tuple((f"leg{i}", c) for i, c in enumerate(names)))] * 3
    other = [("mc", None, tuple((f"leg{i}", c) for i, c in enumerate(names[:4])))]
    assert len(draw_samples(scripted("number", route + other)(), room, 8)) == 2


def test_referents_sharing_a_category_across_roles_are_a_task_bug(room):
    clash = [("1.0", 1.0, (("first", "chair"), ("second", "chair")))]
    with pytest.raises(TaskError, match="share the category 'chair'"):
        draw_samples(scripted("number", clash)(), room, 1)
    assert len(draw_samples(scripted("number", clash, shared_categories=True)(), room, 1)) == 1
    counted = [("2", 2.0, (("counted", "chair"), ("counted", "chair")))]
    assert len(draw_samples(scripted("integer", counted)(), room, 1)) == 1


def test_a_draft_may_show_its_own_views(room):
    class OneView(Scripted):
        script: ClassVar[list] = [("1.0", 1.0, ())]

        def make(self, ctx, candidate, rng, letters):
            return dataclasses.replace(super().make(ctx, candidate, rng, letters), views=("f1",))

    (sample,) = draw_samples(OneView(), room, 1)
    assert sample.views == ("f1",)
    (default,) = draw_samples(scripted("number", [("1.0", 1.0, ())])(), room, 1)
    assert default.views == ("f0", "f1")


def test_balance_params_are_checked_by_name():
    get_task("object_abs_distance")(pair_share=0.5, min_distance=0.3)
    with pytest.raises(ConfigError, match="pair_share: must be in"):
        get_task("object_abs_distance")(pair_share=0)
    with pytest.raises(ConfigError, match="category_share"):
        get_task("object_abs_distance")(colour=1)


def test_numeric_tasks_are_also_asked_as_multiple_choice(room):
    sizes = {s.objects[0].category: s for s in generate("object_size_estimation", room)}
    mc = generate("object_size_estimation_mc", room)
    assert len(mc) == len(sizes) and get_task("object_size_estimation_mc").metric == "accuracy"
    for sample in mc:
        number = sizes[sample.objects[0].category]
        options = {c[0]: float(c[3:]) for c in sample.choices}
        assert sample.answer_type == "mc" and len(options) == 4
        assert options[sample.answer] == float(number.answer) and sample.value == number.value
        truth = number.value
        assert all(0.25 * truth - 0.5 <= v <= 1.75 * truth + 0.5 for v in options.values())
        assert all(abs(a - b) >= 0.2 * truth for a, b in combinations(options.values(), 2))
        assert sample.question_vsi == "\n".join([number.question_vsi, *sample.choices])
    (count,) = generate("object_counting_mc", room)
    options = {c[0]: int(c[3:]) for c in count.choices}
    assert options[count.answer] == 2 and set(options.values()) <= {1, 2, 3, 4, 5}


def test_the_task_listing_shows_an_example_question(capsys):
    from spatialqa.pipelines.cli import main

    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    for name in ("object_abs_distance", "object_abs_distance_mc", "object_rel_direction_hard"):
        assert re.search(rf"^{name}\s", out, re.MULTILINE)
    example = out.split("\nobject_counting ")[1].splitlines()[1]
    assert re.fullmatch(r"    e\.g\. .*\(s\).* -> \d+", example), example
