"""Whether, when and in what order categories appear in the delivered views."""

import pytest

from spatialqa.oracle import appearance_order, execute, first_appearance, object_existence


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
