"""Questions in one camera's frame: depth order, left/right/above/below/in front, where an
object is in the image, and which way it faces. Each shows just the frame it is about."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from spatialqa.errors import ConfigError
from spatialqa.generators.choices import LetterBalancer, either, with_options
from spatialqa.generators.referents import view_pair_in_order, view_pairs, view_referents
from spatialqa.generators.registry import register_task
from spatialqa.generators.task import (
    Context,
    Draft,
    Made,
    Rng,
    Task,
    Undecided,
    derivation,
    phrase,
    refs,
)
from spatialqa.oracle import (
    Fact,
    depth_order,
    ego_relation,
    frame_visibility,
    object_box_2d,
    object_orientation,
    object_point_2d,
)
from spatialqa.oracle.in_view import ORIENTATIONS, RELATIONS
from spatialqa.scenes import Scene

FROM_CAMERA = "from the camera's point of view"
DEPTH_QUESTIONS = (
    "Which is closer to the camera, the {a} or the {b}? Compare the depth of the centre of the "
    "visible part of each.",
    "From the camera's point of view, which object is nearer, the {a} or the {b} (measured at "
    "the centre of what is visible of each)?",
    "Measuring depth from the camera to the middle of each object's visible part, is the {a} "
    "or the {b} closer?",
)


@dataclass(frozen=True)
class DepthOrderParams:
    min_difference: float = 0.15


@register_task
class DepthOrder(Task):
    """GROUND_TRUTH.md depth_order: camera-frame z of each visible part's centre; rejected
    when the two differ by less than 0.15 m."""

    name = "depth_order"
    family = "depth"
    answer_type = "mc"
    metric = "accuracy"
    Params = DepthOrderParams

    candidates = staticmethod(view_pairs)

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        view, first, second, a, b = view_pair_in_order(ctx, candidate, rng)
        fact = depth_order(ctx.scene, a, b, view)
        if not fact.answerable:
            return None
        if fact.margin < self.params.min_difference:
            return Undecided("depth difference", fact.margin, self.params.min_difference, "m")
        options, letter = either(letters, fact.value, first, second, rng=rng)
        depths = fact.detail["depths_m"]
        return Draft(
            fact=fact,
            question=with_options(phrase(rng, DEPTH_QUESTIONS, a=first, b=second), options),
            answer=letter,
            choices=options,
            rationale=derivation(
                f"Depth along the camera's viewing axis of the centre of each visible part: "
                f"{first} {depths[str(a)]:.2f} m, {second} {depths[str(b)]:.2f} m.",
                f"The {fact.value} is closer by {fact.margin:.2f} m: option {letter}.",
            ),
            objects=refs(ctx.scene, first=a, second=b),
            margin=float(fact.margin),
            views=(view,),
        )


RELATION_QUESTIONS = {
    "x": (
        "From the camera's point of view, is the {a} to the left of or to the right of the {b}?",
        "In this image, seen from the camera, is the {a} left or right of the {b}?",
        "Looking from the camera, which side of the {b} is the {a} on: left or right?",
    ),
    "y": (
        "From the camera's point of view, is the {a} above or below the {b}?",
        "In the camera's view, is the {a} higher up (above) or lower down (below) than the {b}?",
        "Seen from the camera, is the {a} above the {b} or below it?",
    ),
    "z": (
        "From the camera's point of view, is the {a} in front of or behind the {b}?",
        "Seen from the camera, is the {a} nearer than the {b} (in front of it) or farther "
        "(behind it)?",
        "Along the camera's line of sight, is the {a} in front of or behind the {b}?",
    ),
}
AXIS_WORDS = {"x": "horizontal (x, right)", "y": "vertical (y, down)", "z": "depth (z, forward)"}


@dataclass(frozen=True)
class EgoRelationParams:
    variant: str = "3d"
    box: str = "minimal_obb"
    min_margin: float = 0.15
    min_gap_px: float = 20.0

    def __post_init__(self) -> None:
        if self.variant not in ("3d", "2d"):
            raise ConfigError(f"params.variant: must be '3d' or '2d' (got {self.variant!r})")


@register_task
class EgoRelation(Task):
    """GROUND_TRUTH.md ego_relation: A left of B iff min_x(B) - max_x(A) > margin over both
    boxes' corners in camera coordinates (y for above/below, z for in front/behind); the 2D
    variant compares projected extents in pixels (x and y only)."""

    name = "ego_relation"
    family = "ego"
    answer_type = "mc"
    metric = "accuracy"
    Params = EgoRelationParams

    def candidates(self, ctx: Context) -> list[tuple[str, str, str, str]]:
        axes = "xyz" if self.params.variant == "3d" else "xy"
        return [(*pair, axis) for pair in view_pairs(ctx, ordered=True) for axis in axes]

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        view, first, second, axis = candidate
        named = view_referents(ctx, view)
        a, b = named[first], named[second]
        params = self.params
        fact = ego_relation(ctx.scene, a, b, view, axis, params.variant, params.box)
        least = params.min_margin if params.variant == "3d" else params.min_gap_px
        if not fact.answerable:
            return None
        if fact.margin < least:
            return Undecided(f"gap between the boxes along {axis}", fact.margin, least, fact.unit)
        wrong = [label for label in RELATIONS[axis] if label != fact.value]
        options, letter = letters.arrange(fact.value, wrong, rng=rng)
        (a_low, a_high), (b_low, b_high) = fact.detail["a_span"], fact.detail["b_span"]
        unit = fact.unit
        space = "camera coordinates" if params.variant == "3d" else "the image"
        stem = phrase(rng, RELATION_QUESTIONS[axis], a=first, b=second)
        return Draft(
            fact=fact,
            question=with_options(stem, options),
            answer=letter,
            choices=options,
            rationale=derivation(
                f"In {space} {FROM_CAMERA}, along the {AXIS_WORDS[axis]} axis, the corners of "
                f"the {first}'s box span [{a_low:.2f}, {a_high:.2f}] {unit} and those of the "
                f"{second}'s [{b_low:.2f}, {b_high:.2f}] {unit}.",
                f"They are separated by {fact.margin:.2f} {unit}, so the {first} is "
                f"{fact.value} the {second}: option {letter}.",
            ),
            objects=refs(ctx.scene, first=a, second=b),
            margin=float(fact.margin),
            views=(view,),
        )


BOX_QUESTIONS = (
    "Give the bounding box of the {a} in this image as [x1, y1, x2, y2], with coordinates "
    "scaled to 0-1000 of the image width and height.",
    "Where is the {a} in this image? Answer with its 2D box [x1, y1, x2, y2] in 0-1000 "
    "normalised coordinates.",
    "Locate the visible part of the {a}: output [x1, y1, x2, y2], each coordinate from 0 to "
    "1000 across the image.",
)
POINT_QUESTIONS = (
    "Point to the {a} in this image: give [x, y] with coordinates scaled to 0-1000 of the "
    "image width and height.",
    "Where is the {a}? Answer with one point [x, y] on it, in 0-1000 normalised coordinates.",
    "Mark the {a} with a single point [x, y] (0-1000 across the image width and height).",
)


@dataclass(frozen=True)
class LocalizationParams:
    min_pixels: int = 400


class _Localization(Task):
    """A view referent with at least ``min_pixels`` visible pixels, located in that view: the
    oracle's ``located`` fact, 0-1000 normalised in the answer, pixels in the labels (moved with
    the image by pixel-moving degradations)."""

    Params = LocalizationParams
    questions: ClassVar[tuple[str, ...]]
    label: ClassVar[str]
    """The labels' key for the pixels: "boxes" or "points"."""
    located: ClassVar[Callable[[Scene, int, str], Fact]]

    def candidates(self, ctx: Context) -> list[tuple[str, str]]:
        return [(view, c) for view in ctx.views for c in view_referents(ctx, view)]

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        view, category = candidate
        instance = view_referents(ctx, view)[category]
        counts = frame_visibility(ctx.scene, view)
        if counts.visible_pixels[counts.index(instance)] < self.params.min_pixels:
            return None
        fact = self.located(ctx.scene, instance, view)
        answer, pixels, found = self.described(fact, category)
        return Draft(
            fact=fact,
            question=phrase(rng, self.questions, a=category),
            answer=answer,
            rationale=derivation(found, f"Scaled to 0-1000 and rounded: {fact.value}."),
            objects=refs(ctx.scene, target=instance),
            views=(view,),
            labels={self.label: {str(instance): pixels}},
        )

    @abstractmethod
    def described(self, fact: Fact, category: str) -> tuple[str, list[float], str]:
        """(the answer, the label's pixels, the rationale step that finds them)."""


@register_task
class ObjectLocalization2D(_Localization):
    """GROUND_TRUTH.md object_localization_2d: the visible part's 2D box."""

    name = "object_localization_2d"
    family = "localization"
    answer_type = "box"
    metric = "iou"
    questions = BOX_QUESTIONS
    label = "boxes"
    located = staticmethod(object_box_2d)

    def described(self, fact: Fact, category: str) -> tuple[str, list[float], str]:
        pixels = fact.detail["box_px"]
        found = (
            f"The pixels where the {category} is the first thing seen cover x in "
            f"[{pixels[0]:g}, {pixels[2]:g}] and y in [{pixels[1]:g}, {pixels[3]:g}] of the "
            f"{fact.detail['width']} x {fact.detail['height']} image (pixel centres at "
            "integers, the image spanning -0.5 to its size - 0.5)."
        )
        return "[" + ", ".join(str(v) for v in fact.value) + "]", pixels, found


@register_task
class ObjectLocalization2DPoint(_Localization):
    """object_localization_2d answered with a point: the visible pixel nearest the visible
    part's centroid (always on the object)."""

    name = "object_localization_2d_point"
    family = "localization"
    answer_type = "point"
    metric = "point_in_radius"
    questions = POINT_QUESTIONS
    label = "points"
    located = staticmethod(object_point_2d)

    def described(self, fact: Fact, category: str) -> tuple[str, list[float], str]:
        x, y = fact.detail["point_px"]
        found = (
            f"Of the pixels where the {category} is the first thing seen, the one nearest "
            f"their centroid is at ({x:.0f}, {y:.0f}) in the {fact.detail['width']} x "
            f"{fact.detail['height']} image (pixel centres at integers)."
        )
        return f"[{fact.value[0]}, {fact.value[1]}]", [x, y], found


ORIENTATION_QUESTIONS = (
    "From the camera's point of view, which way is the {a} facing?",
    "Seen from the camera, is the front of the {a} turned towards the camera, away from it, to "
    "the left or to the right?",
    "In this image, which direction does the {a} face, relative to the camera?",
)


@dataclass(frozen=True)
class OrientationParams:
    boundary_deg: float = 15.0


@register_task
class ObjectOrientation(Task):
    """GROUND_TRUTH.md object_orientation: the front axis relative to the line of sight, for
    objects with a canonical front; rejected within ``boundary_deg`` of a sector boundary."""

    name = "object_orientation"
    family = "orientation"
    answer_type = "mc"
    metric = "accuracy"
    Params = OrientationParams

    def candidates(self, ctx: Context) -> list[tuple[str, str]]:
        return [
            (view, category)
            for view in ctx.views
            for category, instance in view_referents(ctx, view).items()
            if ctx.scene.object(instance).front is not None
        ]

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        view, category = candidate
        instance = view_referents(ctx, view)[category]
        fact = object_orientation(ctx.scene, instance, view)
        if not fact.answerable:
            return None
        if fact.margin < self.params.boundary_deg:
            return Undecided(
                "angle to the nearest sector boundary",
                fact.margin,
                self.params.boundary_deg,
                "degrees",
            )
        wrong = [label for label in ORIENTATIONS if label != fact.value]
        options, letter = letters.arrange(fact.value, wrong, rng=rng)
        angle = fact.detail["angle_deg"]
        return Draft(
            fact=fact,
            question=with_options(phrase(rng, ORIENTATION_QUESTIONS, a=category), options),
            answer=letter,
            choices=options,
            rationale=derivation(
                f"Seen from above, the {category}'s front is turned {abs(angle):.1f} degrees "
                f"{'clockwise' if angle < 0 else 'counter-clockwise'} from the direction "
                f"pointing from it to the camera.",
                "Within 45 degrees it faces the camera, beyond 135 away from it; "
                "counter-clockwise in between it faces the camera's right, clockwise its left.",
                f"So it faces {fact.value} ({fact.margin:.1f} degrees from the nearest "
                f"boundary): option {letter}.",
            ),
            objects=refs(ctx.scene, target=instance),
            margin=float(fact.margin),
            views=(view,),
        )
