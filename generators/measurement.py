"""Metric tasks: an object's size and the distance between two objects."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from spatialqa.generators.choices import LetterBalancer
from spatialqa.generators.registry import register_task
from spatialqa.generators.task import Context, Draft, Task, fmt, phrase, refs
from spatialqa.oracle import object_distance, object_size

SIZE_QUESTIONS = (
    "What is the length of the longest dimension (length, width, or height) of the {category}, "
    "measured in centimeters?",
    "How long is the longest side of the {category}'s bounding box, in centimeters?",
    "In centimeters, what is the largest of the {category}'s length, width and height?",
)
DISTANCE_QUESTIONS = (
    "Measuring from the closest point of each object, what is the direct distance between the "
    "{a} and the {b} (in meters)?",
    "What is the straight-line distance, in meters, between the closest points of the {a} and "
    "the {b}?",
    "How far apart are the {a} and the {b} in meters, measured between their closest points?",
)


@dataclass(frozen=True)
class SizeParams:
    box: str = "minimal_obb"


@register_task
class ObjectSizeEstimation(Task):
    """GROUND_TRUTH.md object_size_estimation: the longest side of the box, in cm."""

    name = "object_size_estimation"
    family = "size"
    answer_type = "number"
    metric = "mra"
    unit = "cm"
    Params = SizeParams

    def candidates(self, ctx: Context) -> list[tuple[str]]:
        return [(category,) for category in ctx.unique]

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | None:
        (category,) = candidate
        instance = ctx.unique[category]
        fact = object_size(ctx.scene, instance, box=self.params.box, unit="cm")
        extent = ", ".join(f"{100 * e:.1f}" for e in fact.detail["extent_m"])
        rationale = (
            f"The {category}'s {self.params.box} box has sides {extent} cm. "
            f"The longest is {fact.value:.1f} cm, which rounds to {fmt(fact.value, 0)} cm."
        )
        return Draft(
            fact=fact,
            question=phrase(rng, SIZE_QUESTIONS, category=category),
            question_vsi=SIZE_QUESTIONS[0].format(category=category),
            answer=fmt(fact.value, 0),
            value=float(fact.value),
            rationale=rationale,
            objects=refs(ctx.scene, target=instance),
        )


@dataclass(frozen=True)
class DistanceParams:
    method: str = "closest"
    min_distance: float = 0.2


@register_task
class ObjectAbsDistance(Task):
    """GROUND_TRUTH.md object_abs_distance: closest-point distance in m, 0.1 m precision."""

    name = "object_abs_distance"
    family = "distance"
    answer_type = "number"
    metric = "mra"
    unit = "m"
    Params = DistanceParams

    def candidates(self, ctx: Context) -> list[tuple[str, str]]:
        return list(combinations(ctx.unique, 2))

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | None:
        first, second = (candidate[i] for i in rng.permutation(2))
        a, b = ctx.unique[first], ctx.unique[second]
        fact = object_distance(ctx.scene, a, b, method=self.params.method, unit="m")
        if fact.value < self.params.min_distance:
            return None
        p, q = (np.round(point, 2).tolist() for point in fact.detail["closest_points"])
        rationale = (
            f"The closest point of the {first} is {p} and the closest point of the {second} is "
            f"{q} (metres, world frame). The distance between them is {fact.value:.3f} m, "
            f"which rounds to {fmt(fact.value, 1)} m."
        )
        return Draft(
            fact=fact,
            question=phrase(rng, DISTANCE_QUESTIONS, a=first, b=second),
            question_vsi=DISTANCE_QUESTIONS[0].format(a=first, b=second),
            answer=fmt(fact.value, 1),
            value=float(fact.value),
            rationale=rationale,
            objects=refs(ctx.scene, first=a, second=b),
            margin=float(fact.value - self.params.min_distance),
        )
