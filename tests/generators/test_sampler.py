"""The sampler every task shares (seeded order, caps, yes/no balance, referent check, the
frames a draft shows), on tasks made here (never registered) over the paper room."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import ClassVar

import paper_room_kit
import pytest

from spatialqa.errors import TaskError
from spatialqa.generators import Draft, ObjectRef, Task, draw_samples
from spatialqa.oracle import Fact


@pytest.fixture(scope="module")
def room(scene_kit):
    return paper_room_kit.room(scene_kit)


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
