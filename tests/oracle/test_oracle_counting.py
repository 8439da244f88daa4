"""Counting instances, and whether the delivered views show them all."""

import json

import pytest

from spatialqa.oracle import (
    appearance_order,
    execute,
    first_appearance,
    instance_count,
    object_existence,
    visible_count,
    visible_instances,
)
from spatialqa.oracle.geometry import derived


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
    assert visible_instances(chairs, ["f0", "f1"]) == {1: True, 2: True, 3: True, 4: True}


def test_visible_instances_is_cached_but_handed_out_fresh(chairs):
    first = visible_instances(chairs, ["f0"], tau_instance=0.2)
    first[3] = True  # the caller's copy: the cache keeps the answer
    assert visible_instances(chairs, ["f0"], tau_instance=0.2) == {
        1: True,
        2: True,
        3: False,
        4: True,
    }
    assert derived(chairs).builds["visible_instances"] >= 1


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


def test_existence_asks_the_views(chairs):
    assert object_existence(chairs, "chair", ["f1"]).value == "yes"
    assert object_existence(chairs, "table", ["f0"]).value == "yes"
    # In the scene but hidden behind the wall from f1: "no" for that view.
    hidden = object_existence(chairs, "table", ["f1"])
    assert hidden.value == "no" and hidden.detail == {"in_scene": 1}
    assert object_existence(chairs, "sofa", ["f0", "f1"]).value == "no"
    assert execute(hidden.program, chairs).value == "no"


@pytest.fixture(scope="module")
def turning(scene_kit):
    # One box 4 m from the origin along +y ("a"), +x ("b") and -y ("c"); f = 500 px over
    # 640 px is a +-32.6 deg field of view, so each frame sees only the box it looks at.
    # Timestamps are uneven on purpose: no frame rate can be assumed.
    Box = scene_kit.Box
    look = scene_kit.look_at
    frames = [
        scene_kit.frame("f0", look((0, 0, 0), (0, 1, 0)), t=0.0),
        scene_kit.frame("f1", look((0, 0, 0), (1, 0, 0)), t=1.3),
        scene_kit.frame("f2", look((0, 0, 0), (0, -1, 0)), t=4.0),
    ]
    return scene_kit.scene(
        [Box(1, "a", (0, 4, 0)), Box(2, "b", (4, 0, 0)), Box(3, "c", (0, -4, 0))], frames=frames
    )


def test_first_appearance_uses_the_frames_timestamps(turning):
    views = ["f2", "f0", "f1"]  # any order: the frames' own timestamps decide
    assert first_appearance(turning, "b", views).value == 1.3
    fact = first_appearance(turning, "c", views)
    assert fact.value == 4.0 and fact.detail == {"frame": "f2"} and fact.unit == "s"
    assert execute(fact.program, turning).value == 4.0
    never = first_appearance(turning, "a", ["f1", "f2"])
    assert never.value is None and not never.answerable


def test_appearance_order_and_its_margin(turning):
    fact = appearance_order(turning, ["c", "a", "b"], ["f0", "f1", "f2"])
    assert fact.value == "a, b, c"
    assert fact.margin == pytest.approx(1.3)  # 1.3 - 0.0 < 4.0 - 1.3
    assert fact.detail["first_seen_s"] == {"c": 4.0, "a": 0.0, "b": 1.3}
    assert execute(fact.program, turning).value == "a, b, c"
    assert not appearance_order(turning, ["a", "b"], ["f1"]).answerable
