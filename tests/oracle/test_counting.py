"""Counting instances, and whether the delivered views show them all."""

import json

from replay_kit import re_executes

from spatialqa.oracle import (
    count_comparison,
    execute,
    instance_count,
    visible_count,
)


def test_count_without_views(chairs):
    fact = instance_count(chairs, "chair")
    assert fact.value == 3 and fact.answerable and fact.instance_ids == (1, 2, 3)
    assert "visible_count" not in fact.detail
    assert instance_count(chairs, "sofa").value == 0


def test_count_disagrees_with_the_views(chairs):
    fact = instance_count(chairs, "chair", views=["f0"])
    assert fact.value == 3
    assert fact.detail["visible_count"] == 2
    assert not fact.answerable and "3 instances" in fact.why_not and "2 visible" in fact.why_not
    assert fact.views == ("f0",)


def test_count_agrees_with_both_views(chairs):
    fact = instance_count(chairs, "chair", views=["f0", "f1"])
    assert fact.detail["visible_count"] == 3 and fact.answerable and fact.why_not is None


def test_program_re_executes(chairs):
    for fact in (instance_count(chairs, "chair"), instance_count(chairs, "chair", ["f0"], 0.1)):
        program = json.loads(json.dumps(fact.program))
        again = execute(program, chairs)
        assert (again.value, again.detail, again.answerable) == (
            fact.value,
            fact.detail,
            fact.answerable,
        )


def test_visible_count_per_view(chairs):
    assert visible_count(chairs, "chair", "f0").value == 2
    fact = visible_count(chairs, "chair", "f1")
    assert fact.value == 1 and fact.instance_ids == (3,) and fact.detail == {"in_scene": 3}
    assert execute(fact.program, chairs).value == 1


def test_count_comparison(paper_room):
    fact = count_comparison(paper_room, "sofa", "chair")
    assert fact.value == "chair" and fact.margin == 1.0 and fact.detail["counts"] == [1, 2]
    tie = count_comparison(paper_room, "sofa", "table")
    assert not tie.answerable and tie.value is None and "both have 1" in tie.why_not
    # From above every object shows; the close view of the sofa shows no chair.
    seen = count_comparison(paper_room, "sofa", "chair", views=["top"])
    assert seen.answerable and seen.value == "chair"
    assert not count_comparison(paper_room, "sofa", "chair", views=["sofa"]).answerable
    re_executes(seen, paper_room)
