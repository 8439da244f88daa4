"""Distance: between two objects, which object is nearest to an anchor, from the camera to one."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from spatialqa.errors import SpatialQAError
from spatialqa.generators.choices import LetterBalancer, with_options
from spatialqa.generators.referents import pair_in_order, unique_pairs
from spatialqa.generators.registry import register_task
from spatialqa.generators.sample import ObjectRef
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
from spatialqa.oracle import (
    camera_object_distance,
    frame_visibility,
    nearest_category,
    object_distance,
    room_area,
)
from spatialqa.oracle.boxes import BOX_KINDS
from spatialqa.oracle.distance import CAMERA_METHODS, DISTANCE_METHODS

DISTANCE_QUESTIONS = (
    "Measuring from the closest point of each object, what is the direct distance between the "
    "{a} and the {b} (in meters)?",
    "What is the straight-line distance, in meters, between the closest points of the {a} and "
    "the {b}?",
    "How far apart are the {a} and the {b} in meters, measured between their closest points?",
)
CENTROID_QUESTIONS = (
    "What is the straight-line distance between the centers of the {a} and the {b}, in meters?",
    "Measuring from the center of each object's bounding box, how far apart are the {a} and the "
    "{b} (in meters)?",
    "In meters, how far is the center of the {a} from the center of the {b}?",
)
REL_DISTANCE_QUESTIONS = (
    "Measuring from the closest point of each object, which of these objects ({choices}) is the "
    "closest to the {anchor}? If there are multiple instances of an object category, measure to "
    "the closest.",
    "Which of {choices} has a point nearest to the {anchor}, measuring between closest points "
    "(for a category with several instances, take the nearest one)?",
    "Measured between closest points, which is nearest to the {anchor}: {choices}? Where a "
    "category has several instances, use the nearest.",
)
CAMERA_QUESTIONS = (
    "In this image, how far is the {category} from the camera, measured to its closest point, "
    "in meters?",
    "What is the straight-line distance from the camera that took this picture to the nearest "
    "point of the {category}, in meters?",
    "From the camera's position, how many meters away is the closest part of the {category}?",
)
CAMERA_AABB_QUESTIONS = (
    "In this image, how far is the {category} from the camera, measured to the closest point of "
    "its axis-aligned bounding box, in meters?",
    "What is the straight-line distance from the camera that took this picture to the nearest "
    "point of the {category}'s axis-aligned bounding box, in meters?",
    "From the camera's position, how many meters away is the closest point of the box around "
    "the {category} (aligned with the room's axes)?",
)


def _listed(names: list[str]) -> str:
    return ", ".join(names)


@dataclass(frozen=True)
class DistanceParams:
    """``method``: closest points (default), box centres or VSI's shell grids, on ``box``."""

    method: str = "closest"
    box: str = "minimal_obb"
    min_distance: float = 0.2

    def __post_init__(self) -> None:
        one_of("object_abs_distance", "method", self.method, DISTANCE_METHODS)
        one_of("object_abs_distance", "box", self.box, BOX_KINDS)


@register_task
class ObjectAbsDistance(Task):
    """GROUND_TRUTH.md object_abs_distance: distance in m, 0.1 m precision, >= 0.2 m."""

    name = "object_abs_distance"
    map_scaffold = True
    family = "distance"
    answer_type = "number"
    metric = "mra"
    unit = "m"
    Params = DistanceParams

    candidates = staticmethod(unique_pairs)

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        first, second, a, b = pair_in_order(ctx, candidate, rng)
        method, box = self.params.method, self.params.box
        try:
            fact = object_distance(ctx.scene, a, b, method=method, unit="m", box=box)
        except SpatialQAError:  # the box variant does not exist for one of them
            return None
        if fact.value < self.params.min_distance:
            return None
        rounded = fmt(fact.value, 1)
        if method == "closest":
            p, q = (np.round(point, 2).tolist() for point in fact.detail["closest_points"])
            measured = (
                f"The closest point of the {first} is {p} and the closest point of the "
                f"{second} is {q} (metres, world frame)."
            )
        elif method == "centroid":
            measured = f"The centres of their {box} boxes are {fact.value:.3f} m apart."
        else:
            measured = (
                f"Filling each {box} box with a grid of at most 5 cm spacing (core dropped), the "
                f"nearest grid points are {fact.value:.3f} m apart."
            )
        templates = CENTROID_QUESTIONS if method == "centroid" else DISTANCE_QUESTIONS
        return Draft(
            fact=fact,
            question=phrase(rng, templates, a=first, b=second),
            question_vsi=None
            if method == "centroid"
            else DISTANCE_QUESTIONS[0].format(a=first, b=second),
            answer=rounded,
            value=float(fact.value),
            rationale=derivation(
                f"The {first} is object {a} and the {second} is object {b}.",
                measured,
                f"The distance is {fact.value:.3f} m, which rounds to {rounded} m.",
            ),
            objects=refs(ctx.scene, first=a, second=b),
            margin=float(fact.value - self.params.min_distance),
        )


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
        one_of("object_rel_distance", "choices", self.choices, (2, 3, 4))
        one_of("object_rel_distance", "method", self.method, DISTANCE_METHODS)


@register_task
class ObjectRelDistance(Task):
    """GROUND_TRUTH.md object_rel_distance: which candidate category is nearest to the anchor.

    Candidates are categories every instance of which is visible in the views (fewer than
    ``choices`` when the scene has fewer, at least 2). The ambiguity threshold is the larger one
    in rooms above ``large_room_m2`` (the fix of VLM-3R v1's always-0.15 m bug).
    """

    name = "object_rel_distance"
    map_scaffold = True
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

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
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
class CameraDistanceParams:
    """``method``: the object's surface (default) or its axis-aligned box; answers in range."""

    method: str = "closest"
    min_distance: float = 0.2
    max_distance: float = 10.0

    def __post_init__(self) -> None:
        one_of("camera_object_distance", "method", self.method, CAMERA_METHODS)


@register_task
class CameraObjectDistance(Task):
    """GROUND_TRUTH.md camera_object_distance: camera centre to the object's nearest point.

    View-grounded: one frame, an object visible above tau in it whose category no other
    instance visible in that frame shares.
    """

    name = "camera_object_distance"
    family = "distance"
    answer_type = "number"
    metric = "mra"
    unit = "m"
    Params = CameraDistanceParams

    def candidates(self, ctx: Context) -> list[tuple[str, int]]:
        found = []
        for view in ctx.views:
            counts = frame_visibility(ctx.scene, view)
            shown = counts.instance_ids[counts.is_visible(ctx.tau_instance, ctx.tau_frame)]
            by_category: dict[str, list[int]] = {}
            for instance in shown.tolist():
                by_category.setdefault(ctx.scene.object(instance).category, []).append(instance)
            found += [(view, ids[0]) for _, ids in sorted(by_category.items()) if len(ids) == 1]
        return found

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        view, instance = candidate
        category = ctx.scene.object(instance).category
        params = self.params
        fact = camera_object_distance(ctx.scene, view, instance, method=params.method)
        if not params.min_distance <= fact.value <= params.max_distance:
            return None
        rounded = fmt(fact.value, 1)
        centre = np.round(fact.detail["camera_center"], 2).tolist()
        nearest = np.round(fact.detail["nearest_point"], 2).tolist()
        target = "surface" if params.method == "closest" else "axis-aligned bounding box"
        templates = CAMERA_QUESTIONS if params.method == "closest" else CAMERA_AABB_QUESTIONS
        return Draft(
            fact=fact,
            question=phrase(rng, templates, category=category),
            answer=rounded,
            value=float(fact.value),
            rationale=derivation(
                f"In frame {view} the {category} (object {instance}) is visible; the camera "
                f"centre is at {centre} (metres, world frame).",
                f"The nearest point of the {category}'s {target} is {nearest}.",
                f"The distance is {fact.value:.3f} m, which rounds to {rounded} m.",
            ),
            objects=refs(ctx.scene, target=instance),
            margin=float(min(fact.value - params.min_distance, params.max_distance - fact.value)),
            views=(view,),
        )
