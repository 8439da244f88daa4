"""Camera motion between two delivered frames: how far, which way, how it turned, up or down.

Each question shows just its two frames, the first as "the first image"; directions are in the
first camera's own frame (its left, right, forward), heights and yaw in the world (z up).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from itertools import permutations
from typing import ClassVar

from spatialqa.generators.choices import LetterBalancer, with_options
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
    phrase,
)
from spatialqa.oracle import (
    Fact,
    camera_displacement,
    camera_elevation_change,
    camera_motion_direction,
    camera_relative_position,
    camera_rotation,
)
from spatialqa.oracle.camera_motion import MOTION_LABELS, POSITION_LABELS
from spatialqa.oracle.viewer import has_heading
from spatialqa.scenes import Scene

DISPLACEMENT_QUESTIONS = (
    "How far did the camera move between the first and the second image, measured in a "
    "straight line between the two camera positions (in meters)?",
    "What is the straight-line distance, in meters, between where the camera was for the first "
    "image and where it was for the second?",
    "In meters, how far apart are the camera positions of these two images?",
)
MOTION_QUESTIONS = (
    "Between the first and the second image, which way did the camera move, relative to the "
    "direction the camera faced in the first image: forward, backward, left or right?",
    "Judged from the first image's point of view, did the camera then travel mainly forward, "
    "backward, to the left or to the right to take the second image?",
    "From the first camera's own viewpoint, what was the main direction of the camera's "
    "movement to the second image: forward, backward, left or right?",
)
POSITION_QUESTIONS = (
    "Where was the camera of the second image relative to the camera of the first image, as "
    "seen from the first camera: in front of it, behind it, to its left or to its right?",
    "Seen from where the first image was taken, and facing its way, is the second image's "
    "camera position mainly in front, behind, left or right?",
    "Relative to the first camera and the direction it faces, where mainly is the second "
    "camera: in front, behind, left or right?",
)
ROTATION_QUESTIONS = (
    "Between the first and the second image, did the camera turn to the left or to the right "
    "(about the vertical axis, seen from above)?",
    "Comparing the two images, which way did the camera rotate horizontally: left "
    "(counter-clockwise seen from above) or right?",
    "Did the camera's viewing direction swing to the left or to the right from the first image "
    "to the second (horizontal turn only)?",
)
ELEVATION_QUESTIONS = (
    "Was the camera higher or lower when it took the second image than when it took the first? "
    "Answer up if higher, down if lower.",
    "From the first image to the second, did the camera's height above the floor go up or down?",
    "Compared with the first image, was the second image taken from a higher (up) or a lower "
    "(down) camera position?",
)


CAMERA_HINT = "compares two delivered views: needs `views: {frames: N}` with N of at least 2"
"""What every camera-motion task needs of the views (``Task.hint``)."""


def motion_context(ctx: Context) -> list[tuple[str, str]]:
    """Ordered pairs of delivered frames: (shown first, shown second)."""
    return list(permutations(ctx.views, 2))


@dataclass(frozen=True)
class DisplacementParams:
    min_distance: float = 0.2
    max_distance: float = 10.0


@register_task
class CameraDisplacement(Task):
    """GROUND_TRUTH.md camera_displacement: metres between the two camera centres."""

    name = "camera_displacement"
    family = "camera_motion"
    answer_type = "number"
    metric = "mra"
    unit = "m"
    Params = DisplacementParams
    hint = CAMERA_HINT

    candidates = staticmethod(motion_context)

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        first, second = candidate
        fact = camera_displacement(ctx.scene, first, second)
        low, high = self.params.min_distance, self.params.max_distance
        if not low <= fact.value <= high:
            return None
        dx, dy, dz = fact.detail["delta_world_m"]
        rationale = derivation(
            f"The camera moved by ({dx:+.2f}, {dy:+.2f}, {dz:+.2f}) m in the world frame "
            f"between the two images.",
            f"Its length is {fact.value:.3f} m, which rounds to {fmt(fact.value, 1)} m.",
        )
        return Draft(
            fact=fact,
            question=phrase(rng, DISPLACEMENT_QUESTIONS),
            answer=fmt(fact.value, 1),
            value=float(fact.value),
            rationale=rationale,
            objects=(),
            margin=float(min(fact.value - low, high - fact.value)),
            views=(first, second),
        )


@dataclass(frozen=True)
class MotionParams:
    min_dominant: float = 1.0
    min_margin: float = 0.25


class _CameraChoice(Task):
    """Shared by the multiple-choice camera-motion tasks: the oracle's fact about two frames
    (shown in that order), its ``answer`` among every one of the task's ``answers``."""

    family = "camera_motion"
    answer_type = "mc"
    metric = "accuracy"
    hint = CAMERA_HINT
    answers: ClassVar[tuple[str, ...]]
    questions: ClassVar[tuple[str, ...]]
    oracle: ClassVar[Callable[[Scene, str, str], Fact]]
    candidates = staticmethod(motion_context)

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        first, second = candidate
        fact = self.oracle(ctx.scene, first, second)
        if not self.asked(fact):
            return None
        undecided = self.undecided(fact)
        if undecided is not None:
            return undecided
        answer = self.answer(fact)
        options, letter = letters.arrange(
            answer, [other for other in self.answers if other != answer], rng=rng
        )
        return Draft(
            fact=fact,
            question=with_options(phrase(rng, self.questions), options),
            answer=letter,
            choices=options,
            value=None
            if isinstance(fact.value, str)
            else float(fact.value),  # a label or an amount
            rationale=derivation(*self.steps(fact, answer)),
            objects=(),
            margin=float(fact.margin),
            views=(first, second),
        )

    def asked(self, fact: Fact) -> bool:
        """False when the two frames give the question no answer at all."""
        return True

    @abstractmethod
    def undecided(self, fact: Fact) -> Undecided | None:
        """Undecided when the fact's margin is within the task's threshold, else None."""

    @abstractmethod
    def answer(self, fact: Fact) -> str:
        """The correct option's text."""

    @abstractmethod
    def steps(self, fact: Fact, answer: str) -> tuple[str, ...]:
        """The rationale's steps."""


def every_label(labels: dict[str, tuple[str, str]]) -> tuple[str, ...]:
    """The labels of every axis, axis by axis."""
    return tuple(label for pair in labels.values() for label in pair)


class _Horizontal(_CameraChoice):
    """Shared by motion direction and relative position: the larger of the first camera's
    x (left/right) and z (forward/backward) components of the move."""

    Params = MotionParams

    def asked(self, fact: Fact) -> bool:
        return fact.detail["dominant_m"] >= self.params.min_dominant

    def undecided(self, fact: Fact) -> Undecided | None:
        if fact.margin < self.params.min_margin:
            return Undecided(
                "lead of the main axis over the other", fact.margin, self.params.min_margin, "m"
            )
        return None

    def answer(self, fact: Fact) -> str:
        return fact.value

    def steps(self, fact: Fact, answer: str) -> tuple[str, ...]:
        x, y, z = fact.detail["offset_camera_m"]
        return (
            f"In the first camera's frame (x right, y down, z forward) the second camera "
            f"centre is at ({x:+.2f}, {y:+.2f}, {z:+.2f}) m.",
            f"Sideways |x| = {abs(x):.2f} m, along the view |z| = {abs(z):.2f} m: the "
            f"{'sideways' if fact.detail['axis'] == 'x' else 'forward-backward'} component "
            f"dominates by {fact.margin:.2f} m.",
            f"Its sign gives {answer}.",
        )


@register_task
class CameraMotionDirection(_Horizontal):
    """GROUND_TRUTH.md camera_motion_direction: forward/backward/left/right in camera 1."""

    name = "camera_motion_direction"
    answers = every_label(MOTION_LABELS)
    questions = MOTION_QUESTIONS
    oracle = staticmethod(camera_motion_direction)


@register_task
class CameraRelativePosition(_Horizontal):
    """GROUND_TRUTH.md camera_relative_position (SpatialEvo position_cam_cam)."""

    name = "camera_relative_position"
    answers = every_label(POSITION_LABELS)
    questions = POSITION_QUESTIONS
    oracle = staticmethod(camera_relative_position)


class _TwoWays(_CameraChoice):
    """Shared by rotation and elevation: one of two opposite ``answers``, the oracle's
    ``direction``, rejected while its margin is within the task's threshold."""

    def answer(self, fact: Fact) -> str:
        return fact.detail["direction"]


@dataclass(frozen=True)
class RotationParams:
    min_deg: float = 8.0


@register_task
class CameraRotation(_TwoWays):
    """GROUND_TRUTH.md camera_rotation: did the camera turn left or right about world z.

    Rejected below ``min_deg`` and within ``min_deg`` of a half turn (which has no side).
    """

    name = "camera_rotation"
    Params = RotationParams
    answers = ("left", "right")
    questions = ROTATION_QUESTIONS
    oracle = staticmethod(camera_rotation)

    def candidates(self, ctx: Context) -> list[tuple[str, str]]:
        return [
            (first, second)
            for first, second in motion_context(ctx)
            if has_heading(ctx.scene.frame(first)) and has_heading(ctx.scene.frame(second))
        ]

    def undecided(self, fact: Fact) -> Undecided | None:
        if fact.margin < self.params.min_deg:
            return Undecided(
                "turn's distance from 0 or 180 degrees", fact.margin, self.params.min_deg, "degrees"
            )
        return None

    def steps(self, fact: Fact, side: str) -> tuple[str, ...]:
        return (
            "Project each camera's viewing direction on the floor plan and measure the yaw "
            "between them (counter-clockwise seen from above is positive).",
            f"The yaw changed by {fact.value:+.1f} degrees.",
            f"A positive change is a turn to the left, a negative one to the right: {side}.",
        )


@dataclass(frozen=True)
class ElevationParams:
    min_change: float = 0.1


@register_task
class CameraElevationChange(_TwoWays):
    """GROUND_TRUTH.md camera_elevation_change (SpatialEvo elevation_cam_cam): up or down."""

    name = "camera_elevation_change"
    Params = ElevationParams
    answers = ("up", "down")
    questions = ELEVATION_QUESTIONS
    oracle = staticmethod(camera_elevation_change)

    def undecided(self, fact: Fact) -> Undecided | None:
        if fact.margin < self.params.min_change:
            return Undecided("height change", fact.margin, self.params.min_change, "m")
        return None

    def steps(self, fact: Fact, side: str) -> tuple[str, ...]:
        before, after = fact.detail["heights_m"]
        return (
            f"The camera centre was {before:.2f} m high (world z) for the first image and "
            f"{after:.2f} m for the second.",
            f"The change is {fact.value:+.2f} m, so the camera went {side}.",
        )
