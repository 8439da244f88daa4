"""Comparisons on a hand-built room whose answers are worked out on paper.

Boxes (centre x, y; full size x, y, z; standing on the floor unless a z centre is given):
  table  (1, 1)        1.2 x 0.8 x 0.75  -> x [0.4, 1.6], y [0.6, 1.4], volume 0.72
  sofa   (4, 1)        2.0 x 0.9 x 0.8   -> x [3.0, 5.0], y [0.55, 1.45], volume 1.44
  chair  (2.35, 1.0)   0.5 cube          -> x [2.1, 2.6]: 0.5 m from the table
  chair  (1.0, 3.0)    0.5 cube          -> y [2.75, 3.25]: 1.35 m from the table
  desk   (1.0, -0.9)   1.0 x 0.4 x 0.7   -> y [-1.1, -0.7]: 1.3 m from the table
  bed    (1.0, 5.0)    2.0 x 1.6 x 0.5   -> y [4.2, 5.8]: 2.8 m from the table
  lamp   (1.0, 1.0)    0.25 x 0.25 x 0.5, z centre 1.0 -> z [0.75, 1.25]: on the table top
  shelf  (4.0, 1.0)    0.5 x 0.3 x 0.5,   z centre 1.25 -> z [1.0, 1.5]: 0.2 m above the sofa
"""

import json

import pytest

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import (
    count_comparison,
    execute,
    height_difference,
    nearest_category,
    size_comparison,
)

BOXES = [
    (1, "table", (1.0, 1.0, 0.375), (1.2, 0.8, 0.75)),
    (2, "sofa", (4.0, 1.0, 0.4), (2.0, 0.9, 0.8)),
    (3, "chair", (2.35, 1.0, 0.25), (0.5, 0.5, 0.5)),
    (4, "chair", (1.0, 3.0, 0.25), (0.5, 0.5, 0.5)),
    (5, "desk", (1.0, -0.9, 0.35), (1.0, 0.4, 0.7)),
    (6, "bed", (1.0, 5.0, 0.25), (2.0, 1.6, 0.5)),
    (7, "lamp", (1.0, 1.0, 1.0), (0.25, 0.25, 0.5)),
    (8, "shelf", (4.0, 1.0, 1.25), (0.5, 0.3, 0.5)),
]


@pytest.fixture(scope="module")
def room(scene_kit):
    boxes = [scene_kit.Box(i, category, centre, size) for i, category, centre, size in BOXES]
    frames = [
        scene_kit.frame("top", scene_kit.look_at((2.5, -6.0, 8.0), (2.5, 2.0, 0.0)), focal=250),
        scene_kit.frame("sofa", scene_kit.look_at((4.0, -0.2, 0.4), (4.0, 1.0, 0.4))),
    ]
    return scene_kit.scene(boxes, frames=frames)


def re_executes(fact, scene):
    again = execute(json.loads(json.dumps(fact.program)), scene)
    assert again.value == fact.value and again.margin == fact.margin


def test_bigger_by_volume(room):
    fact = size_comparison(room, 1, 2)
    assert fact.value == "sofa" and fact.detail["larger"] == 2
    assert fact.detail["a_value"] == pytest.approx(0.72) and fact.detail["b_value"] == (
        pytest.approx(1.44)
    )
    assert fact.margin == pytest.approx(1.0)  # 1.44 exceeds 0.72 by 100%
    assert fact.program["args"]["box"] == "minimal_obb"
    assert size_comparison(room, 2, 1).value == "sofa"
    re_executes(fact, room)


@pytest.mark.parametrize(
    ("quantity", "table", "sofa"),
    [("height", 0.75, 0.8), ("width", 0.8, 0.9), ("length", 1.2, 2.0)],
)
def test_taller_wider_longer_on_the_gravity_box(room, quantity, table, sofa):
    fact = size_comparison(room, 1, 2, quantity=quantity)
    assert fact.value == "sofa" and fact.primitive == "gravity_obb"
    assert fact.margin == pytest.approx((sofa - table) / table)
    assert fact.detail["a_value"] == pytest.approx(table)
    re_executes(fact, room)


def test_relative_difference_exactly_ten_percent(scene_kit):
    # Heights 1.25 and 1.375 (exact in binary): 1.375 exceeds 1.25 by exactly 10%.
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [
            Box(1, "crate", (0, 0, 0.625), (1, 1, 1.25)),
            Box(2, "shelf", (3, 0, 0.6875), (1, 1, 1.375)),
        ]
    )
    fact = size_comparison(scene, 1, 2, quantity="height")
    assert fact.value == "shelf" and fact.margin == 0.1


def test_equal_sizes_are_unanswerable(scene_kit):
    Box = scene_kit.Box
    scene = scene_kit.scene([Box(1, "a", (0, 0, 0.5)), Box(2, "b", (3, 0, 0.5), yaw_deg=30)])
    fact = size_comparison(scene, 1, 2, quantity="height")
    assert not fact.answerable and fact.value is None and "equal" in fact.why_not


def test_height_difference_modes(room):
    # Lamp z [0.75, 1.25] on the table z [0, 0.75]: touching, so no gap; centres 1.0 and 0.375.
    centre = height_difference(room, 1, 7)
    assert centre.value == pytest.approx(0.625) and centre.detail["higher"] == 7
    gap = height_difference(room, 7, 1, mode="gap")
    assert gap.value == 0.0 and gap.detail["higher"] is None
    # Shelf z [1.0, 1.5] above the sofa z [0, 0.8]: gap 0.2, centres 1.25 and 0.4.
    assert height_difference(room, 2, 8, mode="gap").value == pytest.approx(0.2)
    assert height_difference(room, 8, 2, mode="gap").detail["higher"] == 8
    assert height_difference(room, 8, 2).value == pytest.approx(0.85)
    for fact in (centre, gap):
        re_executes(fact, room)
    with pytest.raises(SpatialQAError, match="middle"):
        height_difference(room, 1, 7, mode="middle")


def test_nearest_category_takes_the_nearest_instance(room):
    # From the table: chair 0.5 (nearer instance of two), desk 1.3, sofa 1.4, bed 2.8.
    fact = nearest_category(room, 1, ["sofa", "chair", "bed", "desk"])
    assert fact.value == "chair"
    assert fact.detail["distances"] == pytest.approx([1.4, 0.5, 2.8, 1.3], abs=1e-9)
    assert fact.detail["nearest_instances"] == [2, 3, 6, 5]
    assert fact.margin == pytest.approx(0.8)  # desk 1.3 - chair 0.5
    assert fact.detail["min_gap"] == pytest.approx(0.1)  # sofa 1.4 - desk 1.3
    re_executes(fact, room)
    with pytest.raises(SpatialQAError, match="sofa"):
        nearest_category(room, 1, ["sofa", "sofa"])
    with pytest.raises(SpatialQAError, match="piano"):
        nearest_category(room, 1, ["sofa", "piano"])


def test_count_comparison(room):
    fact = count_comparison(room, "sofa", "chair")
    assert fact.value == "chair" and fact.margin == 1.0 and fact.detail["counts"] == [1, 2]
    tie = count_comparison(room, "sofa", "table")
    assert not tie.answerable and tie.value is None and "both have 1" in tie.why_not
    # From above every object shows; the close view of the sofa shows no chair.
    seen = count_comparison(room, "sofa", "chair", views=["top"])
    assert seen.answerable and seen.value == "chair"
    assert not count_comparison(room, "sofa", "chair", views=["sofa"]).answerable
    re_executes(seen, room)
