"""Counting tasks: how many of a category in the room (the paper room), how many in one view
(the four-views scene), which of two categories is more numerous (ties rejected)."""

from __future__ import annotations

import four_views_kit
import pytest
from samples_kit import check_programs, chosen, generate


@pytest.fixture(scope="module")
def ctx(scene_kit):
    return four_views_kit.context(scene_kit)


def test_counting_asks_only_categories_with_two_or_more(room):
    (sample,) = generate("object_counting", room)
    assert sample.answer == "2" and sample.value == 2.0
    assert sample.question_vsi == "How many chair(s) are in this room?"
    assert sorted(o.instance_id for o in sample.objects) == [5, 6]


def test_count_compare_rejects_ties(small):
    samples = generate("object_count_compare", small)
    # chair (2) against each single-instance category; every other pair is a tie.
    others = sorted(o.category for s in samples for o in s.objects if o.category != "chair")
    assert others == ["bed", "lamp", "sofa", "table"]
    assert all(chosen(s) == "chair" and s.margin == 1.0 for s in samples)
    check_programs(samples, small.scene)


def test_visible_count_counts_both_lamps(ctx):
    samples = generate("visible_count", ctx)
    lamps = [s for s in samples if s.objects[0].category == "lamp"]
    assert [s.answer for s in lamps] == ["2"] and lamps[0].views == ("f0",)
    assert all(s.answer == "1" for s in samples if s.objects[0].category != "lamp")
