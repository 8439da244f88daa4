"""Size: an object's side, which of two is bigger, how much higher one is, the room's floor area."""

from __future__ import annotations

from dataclasses import dataclass

from spatialqa.errors import SpatialQAError
from spatialqa.generators.choices import LetterBalancer, either, with_options
from spatialqa.generators.referents import pair_in_order, unique_pairs
from spatialqa.generators.registry import register_task
from spatialqa.generators.task import (
    Context,
    Draft,
    Made,
    Rng,
    Task,
    Undecided,
    derivation,
    fmt,
    one_of,
    phrase,
    refs,
)
from spatialqa.oracle import height_difference, object_size, room_area, size_comparison
from spatialqa.oracle.area import AREA_METHODS, VSI_ALPHA, VSI_POINTS
from spatialqa.oracle.boxes import BOX_KINDS
from spatialqa.oracle.size import HEIGHT_MODES, SIZE_AXES, SIZE_QUANTITIES

SIZE_QUESTIONS = {
    "longest": (
        "What is the length of the longest dimension (length, width, or height) of the "
        "{category}, measured in centimeters?",
        "How long is the longest side of the {category}'s bounding box, in centimeters?",
        "In centimeters, what is the largest of the {category}'s length, width and height?",
    ),
    "height": (
        "How tall is the {category}, measured vertically from its lowest to its highest point, "
        "in centimeters?",
        "What is the height of the {category} (the vertical side of its bounding box), in "
        "centimeters?",
        "In centimeters, how high is the {category} from bottom to top?",
    ),
    "length": (
        "What is the length of the {category}, the longer horizontal side of its bounding box, "
        "in centimeters?",
        "Seen from above, how long is the longer side of the {category}'s bounding box, in "
        "centimeters?",
        "In centimeters, what is the {category}'s length (its longer horizontal dimension)?",
    ),
    "width": (
        "What is the width of the {category}, the shorter horizontal side of its bounding box, "
        "in centimeters?",
        "Seen from above, how long is the shorter side of the {category}'s bounding box, in "
        "centimeters?",
        "In centimeters, what is the {category}'s width (its shorter horizontal dimension)?",
    ),
}
AXIS_WORDS = {
    "longest": "longest side",
    "height": "height (vertical side)",
    "length": "length (longer horizontal side)",
    "width": "width (shorter horizontal side)",
}
HEIGHT_QUESTIONS = {
    "centre": (
        "What is the vertical distance between the centers of the {a} and the {b}, in meters?",
        "Measured along the vertical, how far apart in height are the centers of the {a} and "
        "the {b} (in meters)?",
        "In meters, how much higher is the center of the higher of the {a} and the {b} than "
        "the center of the other?",
    ),
    "gap": (
        "What is the vertical gap between the {a} and the {b}, from the top of the lower one to "
        "the bottom of the higher one, in meters?",
        "Measured vertically, how much empty space is there between the top of the lower and the "
        "bottom of the higher of the {a} and the {b} (in meters)?",
        "In meters, how far above the top of the lower object does the higher one start, for the "
        "{a} and the {b}?",
    ),
}
SIZE_COMPARISON_QUESTIONS = {
    "volume": (
        "Which is bigger, the {a} or the {b}? Compare the volumes of their bounding boxes.",
        "Comparing bounding-box volumes, which takes up more space: the {a} or the {b}?",
        "Of the {a} and the {b}, which has the larger bounding box by volume?",
    ),
    "height": (
        "Which is taller, measured vertically from bottom to top: the {a} or the {b}?",
        "Of the {a} and the {b}, which has the greater height (its vertical extent)?",
        "Comparing their heights from the lowest to the highest point, which is taller, the {a} "
        "or the {b}?",
    ),
    "width": (
        "Which is wider, the {a} or the {b}? Width is the shorter horizontal side of an object's "
        "bounding box.",
        "Seen from above, which has the longer short side, the {a} or the {b}?",
        "Comparing widths (the shorter horizontal side of each bounding box), which is wider: the "
        "{a} or the {b}?",
    ),
    "length": (
        "Which is longer, the {a} or the {b}? Length is the longer horizontal side of an object's "
        "bounding box.",
        "Seen from above, which has the longer long side, the {a} or the {b}?",
        "Comparing lengths (the longer horizontal side of each bounding box), which is longer: "
        "the {a} or the {b}?",
    ),
}
QUANTITY_WORDS = {
    "volume": ("bounding-box volume", "m^3", "bigger"),
    "height": ("height (vertical extent)", "m", "taller"),
    "width": ("width (shorter horizontal side)", "m", "wider"),
    "length": ("length (longer horizontal side)", "m", "longer"),
}
ROOM_QUESTIONS = (
    "What is the size of this room (in square meters)? If multiple rooms are shown, estimate the "
    "size of the combined space.",
    "How large is the floor area of this room, in square meters? If several rooms are shown, "
    "give the area of the combined space.",
    "In square meters, what floor area does the space shown in the video cover?",
)


@dataclass(frozen=True)
class SizeParams:
    """``box``: which box measures the object; ``axis``: which of its sides is asked."""

    box: str = "minimal_obb"
    axis: str = "longest"

    def __post_init__(self) -> None:
        one_of("object_size_estimation", "box", self.box, BOX_KINDS)
        one_of("object_size_estimation", "axis", self.axis, SIZE_AXES)


@register_task
class ObjectSizeEstimation(Task):
    """GROUND_TRUTH.md object_size_estimation: a side of the object's box, in cm.

    Objects without the requested box (no annotated box) or, for length / width / height,
    whose box is tilted are skipped.
    """

    name = "object_size_estimation"
    family = "size"
    answer_type = "number"
    metric = "mra"
    unit = "cm"
    Params = SizeParams

    def candidates(self, ctx: Context) -> list[tuple[str]]:
        return [(category,) for category in ctx.unique]

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        (category,) = candidate
        instance = ctx.unique[category]
        box, axis = self.params.box, self.params.axis
        try:
            fact = object_size(ctx.scene, instance, box=box, unit="cm", axis=axis)
        except SpatialQAError:  # no annotated box, or a tilted box has no height
            return None
        extent = ", ".join(f"{100 * e:.1f}" for e in fact.detail["extent_m"])
        rationale = derivation(
            f"The {category} is object {instance}; its {box} box has sides {extent} cm.",
            f"Its {AXIS_WORDS[axis]} is {fact.value:.1f} cm, which rounds to "
            f"{fmt(fact.value, 0)} cm.",
        )
        templates = SIZE_QUESTIONS[axis]
        return Draft(
            fact=fact,
            question=phrase(rng, templates, category=category),
            question_vsi=templates[0].format(category=category) if axis == "longest" else None,
            answer=fmt(fact.value, 0),
            value=float(fact.value),
            rationale=rationale,
            objects=refs(ctx.scene, target=instance),
        )


@dataclass(frozen=True)
class SizeComparisonParams:
    """``quantity`` compared on ``box`` (None: minimal OBB for volume, else gravity OBB)."""

    quantity: str = "volume"
    box: str | None = None
    min_relative: float = 0.10

    def __post_init__(self) -> None:
        one_of("size_comparison", "quantity", self.quantity, SIZE_QUANTITIES)
        one_of("size_comparison", "box", self.box, (None, *BOX_KINDS))


@register_task
class SizeComparison(Task):
    """GROUND_TRUTH.md size_comparison: which of two objects is bigger / taller / wider /
    longer; rejected when the larger exceeds the smaller by less than ``min_relative``."""

    name = "size_comparison"
    family = "size"
    answer_type = "mc"
    metric = "accuracy"
    Params = SizeComparisonParams

    candidates = staticmethod(unique_pairs)

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        first, second, a, b = pair_in_order(ctx, candidate, rng)
        quantity = self.params.quantity
        try:
            fact = size_comparison(ctx.scene, a, b, quantity=quantity, box=self.params.box)
        except SpatialQAError:  # a tilted box has no height, or no annotated box
            return None
        if not fact.answerable:
            return None
        if fact.margin < self.params.min_relative:
            return Undecided("relative difference", fact.margin, self.params.min_relative, "%")
        options, letter = either(letters, fact.value, first, second, rng=rng)
        words, unit, comparative = QUANTITY_WORDS[quantity]
        box = fact.program["args"]["box"]
        detail = fact.detail
        return Draft(
            fact=fact,
            question=with_options(
                phrase(rng, SIZE_COMPARISON_QUESTIONS[quantity], a=first, b=second), options
            ),
            answer=letter,
            choices=options,
            rationale=derivation(
                f"The {first} is object {a} and the {second} is object {b}; both measured on "
                f"their {box} boxes.",
                f"{words.capitalize()}: {first} {detail['a_value']:.3f} {unit}, {second} "
                f"{detail['b_value']:.3f} {unit}.",
                f"The {fact.value} is {comparative}, by {100 * fact.margin:.0f}% of the "
                f"smaller value.",
            ),
            objects=refs(ctx.scene, first=a, second=b),
            margin=float(fact.margin),
        )


@dataclass(frozen=True)
class HeightDifferenceParams:
    """``mode``: "centre" (box centre heights) or "gap" (space between the boxes)."""

    mode: str = "centre"
    min_difference: float = 0.1

    def __post_init__(self) -> None:
        one_of("height_difference", "mode", self.mode, HEIGHT_MODES)


@register_task
class HeightDifference(Task):
    """GROUND_TRUTH.md height_difference: vertical separation of two objects in m (0.01 m
    precision); rejected below ``min_difference`` (a gap of 0: the boxes overlap in height)."""

    name = "height_difference"
    family = "size"
    answer_type = "number"
    metric = "mra"
    unit = "m"
    Params = HeightDifferenceParams

    candidates = staticmethod(unique_pairs)

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        first, second, a, b = pair_in_order(ctx, candidate, rng)
        mode = self.params.mode
        fact = height_difference(ctx.scene, a, b, mode=mode)
        if fact.value < self.params.min_difference:
            return None
        rounded = fmt(fact.value, 2)
        (a0, a1), (b0, b1) = fact.detail["z_span_a"], fact.detail["z_span_b"]
        higher = first if fact.detail["higher"] == a else second
        if mode == "centre":
            step = (
                f"Centre heights: {first} {(a0 + a1) / 2:.3f} m, {second} {(b0 + b1) / 2:.3f} m; "
                f"the {higher}'s is higher by {fact.value:.3f} m."
            )
        else:
            step = (
                f"The {higher} lies wholly above the other; the gap between the lower one's top "
                f"and the higher one's bottom is {fact.value:.3f} m."
            )
        return Draft(
            fact=fact,
            question=phrase(rng, HEIGHT_QUESTIONS[mode], a=first, b=second),
            answer=rounded,
            value=float(fact.value),
            rationale=derivation(
                f"The {first} (object {a}) spans heights {a0:.3f} to {a1:.3f} m and the "
                f"{second} (object {b}) {b0:.3f} to {b1:.3f} m (world z, floor at "
                f"{ctx.scene.floor_z:.2f} m).",
                step,
                f"That rounds to {rounded} m.",
            ),
            objects=refs(ctx.scene, first=a, second=b),
            margin=float(fact.value - self.params.min_difference),
        )


@dataclass(frozen=True)
class RoomParams:
    """``method``: see ``room_area`` (auto = the footprint polygon when known)."""

    method: str = "auto"

    def __post_init__(self) -> None:
        one_of("room_size_estimation", "method", self.method, AREA_METHODS)


@register_task
class RoomSizeEstimation(Task):
    """GROUND_TRUTH.md room_size_estimation: floor area in m^2, 0.1 m^2 precision."""

    name = "room_size_estimation"
    family = "size"
    answer_type = "number"
    metric = "mra"
    unit = "m^2"
    Params = RoomParams

    def candidates(self, ctx: Context) -> list[tuple[str]]:
        return [("room",)]

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        seed = int(rng.integers(2**31))  # recorded in the program; used by vsi_alpha5 only
        fact = room_area(ctx.scene, method=self.params.method, seed=seed)
        if not fact.answerable:
            return None
        method = fact.program["args"]["method"]
        rounded = fmt(fact.value, 1)
        how = {
            "polygon": f"The room's floor footprint is a polygon with {fact.detail.get('corners')} "
            "corners.",
            "vsi_alpha5": f"{VSI_POINTS:,} floor-plan points were drawn (seed {seed}) from the "
            f"scene's surface samples; Delaunay triangles with circumradius below "
            f"{1 / VSI_ALPHA:.1f} m were united into the floor shape.",
            "floor_alpha": "The floor points (below the 40th height percentile + 0.1 m), one per "
            "1 m voxel, were joined into an alpha shape (alpha 1).",
        }[method]
        return Draft(
            fact=fact,
            question=phrase(rng, ROOM_QUESTIONS),
            question_vsi=ROOM_QUESTIONS[0],
            answer=rounded,
            value=float(fact.value),
            rationale=derivation(
                how, f"Its area is {fact.value:.2f} m^2, which rounds to {rounded} m^2."
            ),
            objects=(),
        )
