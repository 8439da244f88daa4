"""Counting instances, and whether the delivered views show them all."""

import json

import pytest

from spatialqa.oracle import execute, instance_count, visible_instances


@pytest.fixture(scope="module")
def chairs(scene_kit):
    # f0 at the origin looks along +y at chairs 1 and 2 (depth 4); a wall at y = 6 hides
    # chair 3 at y = 8. f1 at y = 12 looks back along -y and sees chair 3 (depth 4) in front
    # of the wall, which hides chairs 1 and 2 from it.
    Box = scene_kit.Box
    wall = scene_kit.box_mesh((0, 6, 0), (6, 0.1, 4))
    frames = [
        scene_kit.frame("f0", scene_kit.look_at((0, 0, 0), (0, 1, 0)), t=0.0),
        scene_kit.frame("f1", scene_kit.look_at((0, 12, 0), (0, 11, 0)), t=1.0),
    ]
    return scene_kit.scene(
        [
            Box(1, "chair", (-1, 4, 0), (0.5, 0.5, 0.5)),
            Box(2, "chair", (1, 4, 0), (0.5, 0.5, 0.5)),
            Box(3, "chair", (0, 8, 0), (0.5, 0.5, 0.5)),
            Box(4, "table", (0, 4, 0), (0.5, 0.5, 0.5)),
        ],
        structure=[wall],
        frames=frames,
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


def test_visible_instances(chairs):
    assert visible_instances(chairs, ["f0"]) == {1: True, 2: True, 3: False, 4: True}
    assert visible_instances(chairs, ["f1"]) == {1: False, 2: False, 3: True, 4: False}


def test_program_re_executes(chairs):
    for fact in (instance_count(chairs, "chair"), instance_count(chairs, "chair", ["f0"], 0.1)):
        program = json.loads(json.dumps(fact.program))
        again = execute(program, chairs)
        assert (again.value, again.detail, again.answerable) == (
            fact.value,
            fact.detail,
            fact.answerable,
        )
