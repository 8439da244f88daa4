"""Metric tasks: an object's size, the distance between two objects, the room's floor area, and
the distance from the camera to an object in one view."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from spatialqa.errors import ConfigError, SpatialQAError
from spatialqa.generators.choices import LetterBalancer
from spatialqa.generators.registry import register_task
from spatialqa.generators.task import Context, Draft, Task, derivation, fmt, phrase, refs
from spatialqa.oracle import (
    camera_object_distance,
    frame_visibility,
    object_distance,
    object_size,
    room_area,
)
from spatialqa.oracle.area import AREA_METHODS, VSI_ALPHA, VSI_POINTS
from spatialqa.oracle.boxes import BOX_KINDS
from spatialqa.oracle.distance import CAMERA_METHODS, DISTANCE_METHODS
from spatialqa.oracle.size import SIZE_AXES

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
ROOM_QUESTIONS = (
    "What is the size of this room (in square meters)? If multiple rooms are shown, estimate the "
    "size of the combined space.",
    "How large is the floor area of this room, in square meters? If several rooms are shown, "
    "give the area of the combined space.",
    "In square meters, what floor area does the space shown in the video cover?",
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


def _choose(name: str, field: str, value: object, allowed: tuple) -> None:
    if value not in allowed:
        raise ConfigError(f"tasks[{name}].params.{field}: must be one of {allowed} (got {value!r})")


@dataclass(frozen=True)
class SizeParams:
    """``box``: which box measures the object; ``axis``: which of its sides is asked."""

    box: str = "minimal_obb"
    axis: str = "longest"

    def __post_init__(self) -> None:
        _choose("object_size_estimation", "box", self.box, BOX_KINDS)
        _choose("object_size_estimation", "axis", self.axis, SIZE_AXES)


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

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | None:
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
class DistanceParams:
    """``method``: closest points (default), box centres or VSI's shell grids, on ``box``."""

    method: str = "closest"
    box: str = "minimal_obb"
    min_distance: float = 0.2

    def __post_init__(self) -> None:
        _choose("object_abs_distance", "method", self.method, DISTANCE_METHODS)
        _choose("object_abs_distance", "box", self.box, BOX_KINDS)


@register_task
class ObjectAbsDistance(Task):
    """GROUND_TRUTH.md object_abs_distance: distance in m, 0.1 m precision, >= 0.2 m."""

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
class RoomParams:
    """``method``: see ``room_area`` (auto = the footprint polygon when known)."""

    method: str = "auto"

    def __post_init__(self) -> None:
        _choose("room_size_estimation", "method", self.method, AREA_METHODS)


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

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | None:
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


@dataclass(frozen=True)
class CameraDistanceParams:
    """``method``: the object's surface (default) or its axis-aligned box; answers in range."""

    method: str = "closest"
    min_distance: float = 0.2
    max_distance: float = 10.0

    def __post_init__(self) -> None:
        _choose("camera_object_distance", "method", self.method, CAMERA_METHODS)


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

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | None:
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
