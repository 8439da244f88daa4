"""Comparison tasks: which object is nearest to an anchor, which is bigger, how much higher one
is than another, which category is more numerous."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from spatialqa.errors import ConfigError, SpatialQAError
from spatialqa.generators.abstention import Undecided
from spatialqa.generators.choices import LetterBalancer, with_options
from spatialqa.generators.registry import register_task
from spatialqa.generators.sample import ObjectRef
from spatialqa.generators.task import Context, Draft, Task, derivation, fmt, phrase, refs
from spatialqa.oracle import (
    count_comparison,
    height_difference,
    nearest_category,
    room_area,
    size_comparison,
)
from spatialqa.oracle.boxes import BOX_KINDS
from spatialqa.oracle.distance import DISTANCE_METHODS
from spatialqa.oracle.size import HEIGHT_MODES, SIZE_QUANTITIES

REL_DISTANCE_QUESTIONS = (
    "Measuring from the closest point of each object, which of these objects ({choices}) is the "
    "closest to the {anchor}? If there are multiple instances of an object category, measure to "
    "the closest.",
    "Which of {choices} has a point nearest to the {anchor}, measuring between closest points "
    "(for a category with several instances, take the nearest one)?",
    "Measured between closest points, which is nearest to the {anchor}: {choices}? Where a "
    "category has several instances, use the nearest.",
)
SIZE_QUESTIONS = {
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
COUNT_QUESTIONS = (
    "Are there more {a}(s) or {b}(s) in this room?",
    "Which category has more instances in this room: {a} or {b}?",
    "Counting every instance in the video, which is more numerous, {a} or {b}?",
)


def _choose(name: str, field: str, value: object, allowed: tuple) -> None:
    if value not in allowed:
        raise ConfigError(f"tasks[{name}].params.{field}: must be one of {allowed} (got {value!r})")


def _listed(names: list[str]) -> str:
    return ", ".join(names)


@dataclass(frozen=True)
class RelDistanceParams:
    """Ambiguity threshold ``ambiguity`` m, ``large_room_ambiguity`` above ``large_room_m2``."""

    choices: int = 4
    min_distance: float = 0.15
    ambiguity: float = 0.15
    large_room_ambiguity: float = 0.30
    large_room_m2: float = 40.0
    method: str = "closest"

    def __post_init__(self) -> None:
        _choose("object_rel_distance", "choices", self.choices, (2, 3, 4))
        _choose("object_rel_distance", "method", self.method, DISTANCE_METHODS)


@register_task
class ObjectRelDistance(Task):
    """GROUND_TRUTH.md object_rel_distance: which candidate category is nearest to the anchor.

    Candidates are categories every instance of which is visible in the views (fewer than
    ``choices`` when the scene has fewer, at least 2). The ambiguity threshold is the larger one
    in rooms above ``large_room_m2`` (the fix of VLM-3R v1's always-0.15 m bug).
    """

    name = "object_rel_distance"
    family = "distance"
    answer_type = "mc"
    metric = "accuracy"
    Params = RelDistanceParams

    def candidates(self, ctx: Context) -> list[tuple[str, tuple[str, ...], float]]:
        params = self.params
        area = room_area(ctx.scene).value
        large = area is not None and area > params.large_room_m2
        threshold = params.large_room_ambiguity if large else params.ambiguity
        eligible = [
            category
            for category, ids in sorted(ctx.scene.categories.items())
            if all(i in ctx.visible for i in ids)
        ]
        found = []
        for anchor in ctx.unique:
            others = [category for category in eligible if category != anchor]
            n = min(params.choices, len(others))
            if n >= 2:
                found += [(anchor, group, threshold) for group in combinations(others, n)]
        return found

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | Undecided | None:
        anchor_category, group, threshold = candidate
        anchor = ctx.unique[anchor_category]
        listed = [group[i] for i in rng.permutation(len(group))]
        fact = nearest_category(ctx.scene, anchor, listed, method=self.params.method)
        distances = fact.detail["distances"]
        if min(distances) < self.params.min_distance:
            return None
        if fact.detail["min_gap"] < threshold:
            return Undecided("gap to the runner-up", fact.detail["min_gap"], threshold, "m")
        options, letter = letters.arrange(
            fact.value, [c for c in listed if c != fact.value], rng=rng
        )
        fields = {"choices": _listed(listed), "anchor": anchor_category}
        measured = "; ".join(
            f"{name} {distance:.2f} m" for name, distance in zip(listed, distances, strict=True)
        )
        return Draft(
            fact=fact,
            question=with_options(phrase(rng, REL_DISTANCE_QUESTIONS, **fields), options),
            question_vsi=with_options(REL_DISTANCE_QUESTIONS[0].format(**fields), options),
            answer=letter,
            choices=options,
            rationale=derivation(
                f"The anchor {anchor_category} is object {anchor}.",
                f"Closest-point distance from it to the nearest instance of each candidate: "
                f"{measured}.",
                f"The {fact.value} is nearest, {fact.margin:.2f} m closer than the runner-up "
                f"(any two candidates differ by at least {fact.detail['min_gap']:.2f} m).",
            ),
            objects=(
                ObjectRef(anchor, anchor_category, "anchor"),
                *(
                    ObjectRef(i, category, "candidate")
                    for i, category in zip(fact.detail["nearest_instances"], listed, strict=True)
                ),
            ),
            margin=float(fact.margin),
        )


@dataclass(frozen=True)
class SizeComparisonParams:
    """``quantity`` compared on ``box`` (None: minimal OBB for volume, else gravity OBB)."""

    quantity: str = "volume"
    box: str | None = None
    min_relative: float = 0.10

    def __post_init__(self) -> None:
        _choose("size_comparison", "quantity", self.quantity, SIZE_QUANTITIES)
        _choose("size_comparison", "box", self.box, (None, *BOX_KINDS))


@register_task
class SizeComparison(Task):
    """GROUND_TRUTH.md size_comparison: which of two objects is bigger / taller / wider /
    longer; rejected when the larger exceeds the smaller by less than ``min_relative``."""

    name = "size_comparison"
    family = "size"
    answer_type = "mc"
    metric = "accuracy"
    Params = SizeComparisonParams

    def candidates(self, ctx: Context) -> list[tuple[str, str]]:
        return list(combinations(ctx.unique, 2))

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | Undecided | None:
        first, second = (candidate[i] for i in rng.permutation(2))
        a, b = ctx.unique[first], ctx.unique[second]
        quantity = self.params.quantity
        try:
            fact = size_comparison(ctx.scene, a, b, quantity=quantity, box=self.params.box)
        except SpatialQAError:  # a tilted box has no height, or no annotated box
            return None
        if not fact.answerable:
            return None
        if fact.margin < self.params.min_relative:
            return Undecided("relative difference", fact.margin, self.params.min_relative, "%")
        other = second if fact.value == first else first
        options, letter = letters.arrange(fact.value, [other], rng=rng)
        words, unit, comparative = QUANTITY_WORDS[quantity]
        box = fact.program["args"]["box"]
        detail = fact.detail
        return Draft(
            fact=fact,
            question=with_options(
                phrase(rng, SIZE_QUESTIONS[quantity], a=first, b=second), options
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
        _choose("height_difference", "mode", self.mode, HEIGHT_MODES)


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

    def candidates(self, ctx: Context) -> list[tuple[str, str]]:
        return list(combinations(ctx.unique, 2))

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | None:
        first, second = (candidate[i] for i in rng.permutation(2))
        a, b = ctx.unique[first], ctx.unique[second]
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


@register_task
class ObjectCountCompare(Task):
    """GROUND_TRUTH.md object_count_compare: which of two categories has more instances.

    Both counts must agree with the instances visible in the views; ties are rejected.
    """

    name = "object_count_compare"
    family = "counting"
    answer_type = "mc"
    metric = "accuracy"

    def candidates(self, ctx: Context) -> list[tuple[str, str]]:
        return list(combinations(sorted(ctx.scene.categories), 2))

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | None:
        first, second = (candidate[i] for i in rng.permutation(2))
        fact = count_comparison(
            ctx.scene, first, second, list(ctx.views), ctx.tau_instance, ctx.tau_frame
        )
        if not fact.answerable:
            return None
        other = second if fact.value == first else first
        options, letter = letters.arrange(fact.value, [other], rng=rng)
        n1, n2 = fact.detail["counts"]
        scene = ctx.scene
        return Draft(
            fact=fact,
            question=with_options(phrase(rng, COUNT_QUESTIONS, a=first, b=second), options),
            answer=letter,
            choices=options,
            rationale=derivation(
                f"Instances of {first} visible in the views: {n1}; of {second}: {n2} (each count "
                f"agrees with the scene).",
                f"{fact.value} has more, by {int(fact.margin)}.",
            ),
            objects=tuple(
                ObjectRef(i, scene.object(i).category, "counted") for i in fact.instance_ids
            ),
            margin=float(fact.margin),
        )
