"""Size facts: a side of an object's box, its volume, which of two objects is bigger and how
much higher one is, on boxes whose answers are worked out on paper (the ``paper_room``
fixture, tests/oracle/conftest.py)."""

import numpy as np
import pytest
from replay_kit import re_executes

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import (
    execute,
    height_difference,
    object_size,
    object_volume,
    size_comparison,
)
from spatialqa.oracle.boxes import BOX_KINDS


def test_bigger_by_volume(paper_room):
    fact = size_comparison(paper_room, 1, 2)
    assert fact.value == "sofa" and fact.detail["larger"] == 2
    assert fact.detail["a_value"] == pytest.approx(0.72) and fact.detail["b_value"] == (
        pytest.approx(1.44)
    )
    assert fact.margin == pytest.approx(1.0)  # 1.44 exceeds 0.72 by 100%
    assert fact.program["args"]["box"] == "minimal_obb"
    assert size_comparison(paper_room, 2, 1).value == "sofa"
    re_executes(fact, paper_room)


@pytest.mark.parametrize(
    ("quantity", "table", "sofa"),
    [("height", 0.75, 0.8), ("width", 0.8, 0.9), ("length", 1.2, 2.0)],
)
def test_taller_wider_longer_on_the_gravity_box(paper_room, quantity, table, sofa):
    fact = size_comparison(paper_room, 1, 2, quantity=quantity)
    assert fact.value == "sofa" and fact.primitive == "gravity_obb"
    assert fact.margin == pytest.approx((sofa - table) / table)
    assert fact.detail["a_value"] == pytest.approx(table)
    re_executes(fact, paper_room)


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


def test_height_difference_modes(paper_room):
    # Lamp z [0.75, 1.25] on the table z [0, 0.75]: touching, so no gap; centres 1.0 and 0.375.
    centre = height_difference(paper_room, 1, 7)
    assert centre.value == pytest.approx(0.625) and centre.detail["higher"] == 7
    gap = height_difference(paper_room, 7, 1, mode="gap")
    assert gap.value == 0.0 and gap.detail["higher"] is None
    # Shelf z [1.0, 1.5] above the sofa z [0, 0.8]: gap 0.2, centres 1.25 and 0.4.
    assert height_difference(paper_room, 2, 8, mode="gap").value == pytest.approx(0.2)
    assert height_difference(paper_room, 8, 2, mode="gap").detail["higher"] == 8
    assert height_difference(paper_room, 8, 2).value == pytest.approx(0.85)
    for fact in (centre, gap):
        re_executes(fact, paper_room)
    with pytest.raises(SpatialQAError, match="middle"):
        height_difference(paper_room, 1, 7, mode="middle")


def test_object_size_longest_side_in_cm_and_m(scene_kit):
    scene = scene_kit.scene([scene_kit.Box(1, "sofa", (0, 0, 0.4), (2.1, 0.9, 0.8), 20.0)])
    fact = object_size(scene, 1)
    assert fact.value == pytest.approx(210.0, abs=1e-7)
    assert fact.unit == "cm" and fact.primitive == "minimal_obb" and fact.frame == "world"
    assert fact.detail["extent_m"] == pytest.approx([2.1, 0.9, 0.8], abs=1e-9)
    assert object_size(scene, 1, unit="m").value == pytest.approx(2.1, abs=1e-9)
    # AABB of the yawed sofa: 2.1 cos 20 + 0.9 sin 20 along x.
    expected = 2.1 * np.cos(np.radians(20)) + 0.9 * np.sin(np.radians(20))
    assert object_size(scene, 1, box="aabb", unit="m").value == pytest.approx(expected)


def test_length_width_height_on_every_upright_box(scene_kit):
    # 0.6 (x) x 1.8 (y) x 0.9 (z), yawed 70 deg: length 1.8, width 0.6, height 0.9 on the
    # minimal and gravity OBBs. The AABB spans 0.6 cos70 + 1.8 sin70 = 1.8967 in x and
    # 0.6 sin70 + 1.8 cos70 = 1.1794 in y.
    scene = scene_kit.scene([scene_kit.Box(1, "wardrobe", (1, 1, 0.45), (0.6, 1.8, 0.9), 70.0)])
    c, s = np.cos(np.radians(70)), np.sin(np.radians(70))
    expected = {
        "minimal_obb": (1.8, 0.6, 0.9),
        "gravity_obb": (1.8, 0.6, 0.9),
        "aabb": (0.6 * c + 1.8 * s, 0.6 * s + 1.8 * c, 0.9),
    }
    for box, sides in expected.items():
        for axis, side in zip(("length", "width", "height"), sides, strict=True):
            fact = object_size(scene, 1, box=box, axis=axis, unit="m")
            assert fact.value == pytest.approx(side, abs=1e-9), (box, axis)
            assert execute(fact.program, scene).value == fact.value
        assert object_size(scene, 1, box=box, unit="m").value == pytest.approx(max(sides))


def test_volume_of_each_box_kind(scene_kit):
    # A unit cube yawed 45 deg: minimal and gravity OBB 1 m^3, AABB sqrt2 x sqrt2 x 1 = 2 m^3.
    scene = scene_kit.scene([scene_kit.Box(1, "cube", (0, 0, 0.5), (1, 1, 1), 45.0)])
    volumes = {box: object_volume(scene, 1, box=box).value for box in BOX_KINDS[:3]}
    assert volumes == pytest.approx({"minimal_obb": 1.0, "gravity_obb": 1.0, "aabb": 2.0})
    fact = object_volume(scene, 1, box="aabb")
    assert fact.unit == "m^3" and execute(fact.program, scene).value == fact.value
