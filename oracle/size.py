"""Object size: a side of its box (longest, length, width, height), its volume, which of two
objects is bigger, how much higher one is than the other. Comparisons' values are what a
multiple-choice option names (a category), and their margin is the distance to the decision
boundary."""

from __future__ import annotations

import numpy as np

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.boxes import box_of
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import derived, in_unit
from spatialqa.oracle.program import ObjectId, call, operation
from spatialqa.scenes import OrientedBox, Scene

SIZE_AXES = ("longest", "length", "width", "height")
UPRIGHT_TOL_DEG = 1.0
"""A box is upright (has a height) when one of its axes is within this angle of world z."""
SIZE_QUANTITIES = ("volume", "height", "width", "length")
HEIGHT_MODES = ("gap", "centre")


def upright_sides(box: OrientedBox) -> tuple[float, float, float] | None:
    """(length, width, height) in metres of a box with an axis within ``UPRIGHT_TOL_DEG`` of
    vertical: height along that axis, length and width the longer and shorter of the other
    two (horizontal) sides. None for a tilted box, whose height would be ill-defined.

    Gravity-aligned OBBs and AABBs are always upright; a minimal OBB is when the object rests a
    face on the floor plane.
    """
    vertical = np.abs(box.rotation[2])
    k = int(np.argmax(vertical))
    if vertical[k] < np.cos(np.radians(UPRIGHT_TOL_DEG)):
        return None
    length, width = sorted((float(box.extent[j]) for j in range(3) if j != k), reverse=True)
    return length, width, float(box.extent[k])


def side_length(scene: Scene, instance_id: int, box: str, axis: str) -> float:
    """The object's ``axis`` side of its ``box`` in metres (see :func:`object_size`)."""
    if axis not in SIZE_AXES:
        raise SpatialQAError(f"axis: unknown size axis {axis!r} (supported: {SIZE_AXES})")
    found = box_of(scene, instance_id, box)
    if axis == "longest":
        return float(found.extent.max())
    sides = upright_sides(found)
    if sides is None:
        raise SpatialQAError(
            f"object_size: the {box} box of object {instance_id} is tilted (no axis within "
            f"{UPRIGHT_TOL_DEG} deg of vertical), so its {axis} is undefined; use gravity_obb"
        )
    return sides[SIZE_AXES.index(axis) - 1]


@operation
def object_size(
    scene: Scene,
    instance_id: ObjectId,
    box: str = "minimal_obb",
    unit: str = "cm",
    axis: str = "longest",
) -> Fact:
    """A side of the object's box, in ``unit`` ("m" or "cm").

    ``axis``: "longest" side (VSI-Bench), or on an upright box (see :func:`upright_sides`)
    "height" (the vertical side), "length" / "width" (the longer / shorter horizontal side).
    ``detail["extent_m"]`` lists the three side lengths in metres, longest first.
    """
    metres = side_length(scene, instance_id, box, axis)
    extent = sorted((float(e) for e in box_of(scene, instance_id, box).extent), reverse=True)
    return Fact(
        value=in_unit(metres, unit),
        unit=unit,
        primitive=box,
        frame="world",
        program=call(object_size, instance_id=instance_id, box=box, unit=unit, axis=axis),
        instance_ids=(instance_id,),
        detail={"extent_m": extent, "axis": axis},
    )


@operation
def object_volume(scene: Scene, instance_id: ObjectId, box: str = "minimal_obb") -> Fact:
    """Volume of the object's box in m^3 (the product of its three sides)."""
    found = box_of(scene, instance_id, box)
    return Fact(
        value=found.volume,
        unit="m^3",
        primitive=box,
        frame="world",
        program=call(object_volume, instance_id=instance_id, box=box),
        instance_ids=(instance_id,),
        detail={"extent_m": sorted((float(e) for e in found.extent), reverse=True)},
    )


def _quantity(scene: Scene, instance_id: int, quantity: str, box: str) -> float:
    if quantity == "volume":
        return box_of(scene, instance_id, box).volume
    return side_length(scene, instance_id, box, quantity)


@operation
def size_comparison(
    scene: Scene, a: ObjectId, b: ObjectId, quantity: str = "volume", box: str | None = None
) -> Fact:
    """Which of objects ``a`` and ``b`` is bigger (box volume) or taller / wider / longer.

    ``box`` defaults to the minimal OBB for volume and to the gravity-aligned OBB for the sides
    (height = vertical side, length / width = longer / shorter horizontal side); the program
    records the box used. Value: the category of the larger object (``detail["larger"]`` is
    its id). Margin: the relative difference, (larger - smaller) / smaller, so 0.1 means the
    larger exceeds the smaller by 10%. Equal quantities give an unanswerable fact.
    """
    if quantity not in SIZE_QUANTITIES:
        raise SpatialQAError(
            f"size_comparison: unknown quantity {quantity!r} (supported: {SIZE_QUANTITIES})"
        )
    if a == b:
        raise SpatialQAError(f"size_comparison: the two objects must differ (both {a})")
    box = box or ("minimal_obb" if quantity == "volume" else "gravity_obb")
    qa, qb = _quantity(scene, a, quantity, box), _quantity(scene, b, quantity, box)
    larger = a if qa > qb else b
    low, high = min(qa, qb), max(qa, qb)
    relative = (high - low) / low if low > 0 else float("inf")
    tied = qa == qb
    return Fact(
        value=None if tied else scene.object(larger).category,
        unit=None,
        primitive=box,
        frame="world",
        program=call(size_comparison, a=a, b=b, quantity=quantity, box=box),
        margin=0.0 if tied else relative,
        answerable=not tied,
        why_not=f"objects {a} and {b} have equal {quantity}" if tied else None,
        instance_ids=(a, b),
        detail={
            "quantity": quantity,
            "unit": "m^3" if quantity == "volume" else "m",
            "a_value": qa,
            "b_value": qb,
            "larger": None if tied else larger,
        },
    )


def _z_range(scene: Scene, instance_id: int) -> tuple[float, float]:
    """Lowest and highest z of the object: the vertical span of its gravity-aligned box."""
    z = derived(scene).points(instance_id)[:, 2]
    return float(z.min()), float(z.max())


@operation
def height_difference(scene: Scene, a: ObjectId, b: ObjectId, mode: str = "centre") -> Fact:
    """Vertical separation of objects ``a`` and ``b`` in metres (non-negative).

    ``mode="centre"``: difference of the heights of their box centres (midpoints of their z
    spans); ``"gap"``: the empty space between the top of the lower box and the bottom of the
    higher one, 0 when the z spans overlap. ``detail["higher"]`` is the id of the object that
    is higher (by centre, or wholly above the other for the gap; None when neither is).
    """
    if mode not in HEIGHT_MODES:
        raise SpatialQAError(
            f"height_difference: unknown mode {mode!r} (supported: {HEIGHT_MODES})"
        )
    if a == b:
        raise SpatialQAError(f"height_difference: the two objects must differ (both {a})")
    (a0, a1), (b0, b1) = _z_range(scene, a), _z_range(scene, b)
    centre_a, centre_b = (a0 + a1) / 2.0, (b0 + b1) / 2.0
    if mode == "centre":
        value = abs(centre_a - centre_b)
        higher = None if centre_a == centre_b else (a if centre_a > centre_b else b)
    else:
        value = max(a0 - b1, b0 - a1, 0.0)
        higher = None if value == 0.0 else (a if a0 >= b1 else b)
    return Fact(
        value=float(value),
        unit="m",
        primitive="gravity_obb_center_z" if mode == "centre" else "gravity_obb_z_span",
        frame="world",
        program=call(height_difference, a=a, b=b, mode=mode),
        instance_ids=(a, b),
        detail={"z_span_a": [a0, a1], "z_span_b": [b0, b1], "higher": higher},
    )
