"""Comparisons between objects or categories: which is bigger, how much higher, which is nearest,
which is more numerous. Each fact's value is what a multiple-choice option names (a category),
or a length in metres, and its margin is the distance to the decision boundary."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.boxes import box_of, side_length
from spatialqa.oracle.counting import instance_count
from spatialqa.oracle.distance import object_distance
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import derived
from spatialqa.oracle.program import FrameId, ObjectId, call, operation
from spatialqa.scenes import Scene

SIZE_QUANTITIES = ("volume", "height", "width", "length")
HEIGHT_MODES = ("gap", "centre")


def _quantity(scene: Scene, instance_id: int, quantity: str, box: str) -> float:
    if quantity == "volume":
        return box_of(scene, instance_id, box).volume
    return side_length(scene, instance_id, box, quantity)


@operation("size_comparison")
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
        program=call("size_comparison", a=a, b=b, quantity=quantity, box=box),
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


@operation("height_difference")
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
        program=call("height_difference", a=a, b=b, mode=mode),
        instance_ids=(a, b),
        detail={"z_span_a": [a0, a1], "z_span_b": [b0, b1], "higher": higher},
    )


@operation("nearest_category")
def nearest_category(
    scene: Scene, anchor: ObjectId, categories: Sequence[str], method: str = "closest"
) -> Fact:
    """Which of ``categories`` is nearest to object ``anchor`` (VSI object_rel_distance).

    A category's distance is the least ``object_distance`` (``method``) from the anchor to any
    of its instances (the anchor itself excluded). Value: the nearest category. Margin: second
    nearest minus nearest, in metres. ``detail["min_gap"]`` is the least difference between
    any two candidates' distances (the ambiguity filter), ``detail["distances"]`` the
    distances in the order of ``categories``.
    """
    categories = list(categories)
    if len(categories) < 2 or len(set(categories)) != len(categories):
        raise SpatialQAError(
            f"nearest_category: needs two or more distinct categories (got {categories})"
        )
    distances, nearest = [], []
    for category in categories:
        ids = [i for i in scene.categories.get(category, ()) if i != anchor]
        if not ids:
            raise SpatialQAError(
                f"nearest_category: scene {scene.scene_id} has no {category!r} besides the anchor"
            )
        found = [object_distance(scene, anchor, i, method=method).value for i in ids]
        k = int(np.argmin(found))
        distances.append(float(found[k]))
        nearest.append(ids[k])
    order = np.argsort(distances, kind="stable")
    ranked = np.asarray(distances)[order]
    return Fact(
        value=categories[order[0]],
        unit="m",
        primitive="surface" if method == "closest" else method,
        frame="world",
        program=call("nearest_category", anchor=anchor, categories=categories, method=method),
        margin=float(ranked[1] - ranked[0]),
        instance_ids=(anchor, *nearest),
        detail={
            "distances": distances,
            "nearest_instances": nearest,
            "min_gap": float(np.diff(ranked).min()),
        },
    )


@operation("count_comparison")
def count_comparison(
    scene: Scene,
    first: str,
    second: str,
    views: list[FrameId] | None = None,
    tau_instance: float = 0.05,
    tau_frame: float = 0.001,
) -> Fact:
    """Which of two categories has more instances. Value: that category; margin: the
    difference of the counts. Unanswerable on a tie, or (with ``views``) when a category's
    count disagrees with the instances visible above tau in those views."""
    if first == second:
        raise SpatialQAError(f"count_comparison: the two categories must differ (both {first!r})")
    counts = [instance_count(scene, c, views, tau_instance, tau_frame) for c in (first, second)]
    n1, n2 = (int(fact.value) for fact in counts)
    why_not = next((fact.why_not for fact in counts if not fact.answerable), None)
    if why_not is None and n1 == n2:
        why_not = f"{first} and {second} both have {n1} instances"
    return Fact(
        value=None if n1 == n2 else (first if n1 > n2 else second),
        unit=None,
        primitive="instances",
        frame="scene",
        program=call(
            "count_comparison",
            first=first,
            second=second,
            views=views,
            tau_instance=tau_instance,
            tau_frame=tau_frame,
        ),
        margin=float(abs(n1 - n2)),
        answerable=why_not is None,
        why_not=why_not,
        instance_ids=counts[0].instance_ids + counts[1].instance_ids,
        views=tuple(views or ()),
        detail={"counts": [n1, n2]},
    )
