"""Relative direction: standing by one object and facing another, where is a third.

Three granularities of the same fact (GROUND_TRUTH.md): hard (quadrants), medium (left, right,
back) and easy (left or right; the back sector is rejected). All share VSI's filters: three
distinct single-instance categories, pairwise closest-point distances in [0.30, 5.0] m, theta
at least ``boundary_deg`` from every sector boundary on both sides, and at most two of the
target's eight box corners in another sector than its centre.
"""

from __future__ import annotations

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
    phrase,
    refs,
)
from spatialqa.oracle import object_distance, relative_direction
from spatialqa.oracle.distance import distance_bounds
from spatialqa.scenes import Scene

HARD_QUESTIONS = (
    "If I am standing by the {P} and facing the {O}, is the {Q} to my front-left, front-right, "
    "back-left, or back-right? The directions refer to the quadrants of a Cartesian plane (if I "
    "am standing at the origin and facing along the positive y-axis).",
    "Imagine standing next to the {P}, looking towards the {O}. Seen from that position, in which "
    "quadrant is the {Q}: front-left, front-right, back-left or back-right?",
    "From the viewpoint of someone at the {P} who faces the {O}, which quadrant around them "
    "contains the {Q}: front-left, front-right, back-left or back-right?",
)
MEDIUM_QUESTIONS = (
    "If I am standing by the {P} and facing the {O}, is the {Q} to my left, right, or back? An "
    "object is to my back if I would have to turn at least 135 degrees in order to face it.",
    "Imagine standing next to the {P}, looking towards the {O}. Is the {Q} on your left, on your "
    "right, or behind you? Count it as behind if you would have to turn 135 degrees or more to "
    "face it.",
    "Someone stands by the {P} and faces the {O}. From their point of view, is the {Q} to their "
    "left, to their right, or at their back (a turn of at least 135 degrees to face it)?",
)
EASY_QUESTIONS = (
    "If I am standing by the {P} and facing the {O}, is the {Q} to the left or the right of the "
    "{O}?",
    "Standing by the {P} and looking at the {O}, would I find the {Q} on my left or on my right?",
    "From the position of the {P}, facing the {O}, is the {Q} on the left-hand or the right-hand "
    "side?",
)
SECTOR_WORDS = {
    "hard": "Angles in [0, 90) are front-left, [90, 180) back-left, [180, 270) back-right and "
    "[270, 360) front-right",
    "medium": "Angles in [0, 135) are left, [135, 225) back and [225, 360) right",
    "easy": "Angles in [0, 135) are left and [225, 360) right ([135, 225), behind, is not asked)",
}


@dataclass(frozen=True)
class DirectionParams:
    boundary_deg: float = 10.0
    min_distance: float = 0.30
    max_distance: float = 5.0
    max_corners_off: int = 2


class RelDirection(Task):
    """One granularity of GROUND_TRUTH.md's object_rel_direction, symmetric boundary filter."""

    family = "direction"
    answer_type = "mc"
    metric = "accuracy"
    map_scaffold = True
    Params = DirectionParams
    granularity: ClassVar[str]
    labels: ClassVar[tuple[str, ...]]
    questions: ClassVar[tuple[str, ...]]

    def candidates(self, ctx: Context) -> list[tuple[str, str, str]]:
        return list(permutations(ctx.unique, 3))

    def _apart(self, scene: Scene, a: int, b: int) -> bool:
        """``min_distance <= object_distance <= max_distance``; decided by the oracle's cheap
        bounds when they can (most pairs), by the exact closest-point distance otherwise."""
        low, high = distance_bounds(scene, a, b)
        least, most = self.params.min_distance, self.params.max_distance
        if high < least or low > most:
            return False
        if least <= low and high <= most:
            return True
        return least <= object_distance(scene, a, b).value <= most

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        p, o, q = (ctx.unique[c] for c in candidate)
        params = self.params
        if not all(self._apart(ctx.scene, a, b) for a, b in ((p, o), (p, q), (o, q))):
            return None
        fact = relative_direction(ctx.scene, p, o, q, granularity=self.granularity)
        if fact.value not in self.labels or fact.detail["corners_off"] > params.max_corners_off:
            return None
        if fact.margin < params.boundary_deg:
            return Undecided(
                "angle to the nearest sector boundary", fact.margin, params.boundary_deg, "degrees"
            )
        names = dict(zip("POQ", candidate, strict=True))
        options, letter = letters.arrange(
            fact.value, [label for label in self.labels if label != fact.value], rng=rng
        )
        rationale = derivation(
            f"Stand at the {names['P']}'s box centre and face the {names['O']}'s, seen from "
            f"above (box centres on the floor plan).",
            f"The {names['Q']} lies {fact.detail['angle_deg']:.1f} degrees counter-clockwise "
            f"from the facing direction.",
            f"{SECTOR_WORDS[self.granularity]}, so the {names['Q']} is {fact.value} "
            f"({fact.margin:.1f} degrees from the nearest boundary).",
        )
        return Draft(
            fact=fact,
            question=with_options(phrase(rng, self.questions, **names), options),
            question_vsi=self.questions[0].format(**names),
            answer=letter,
            choices=options,
            rationale=rationale,
            objects=refs(ctx.scene, standing=p, facing=o, target=q),
            margin=float(fact.margin),
        )


@register_task
class ObjectRelDirectionHard(RelDirection):
    """GROUND_TRUTH.md object_rel_direction_hard: the four quadrants."""

    name = "object_rel_direction_hard"
    granularity = "hard"
    labels = ("front-left", "front-right", "back-left", "back-right")
    questions = HARD_QUESTIONS


@register_task
class ObjectRelDirectionMedium(RelDirection):
    """GROUND_TRUTH.md object_rel_direction_medium: left, right, or back (a 135 degree turn)."""

    name = "object_rel_direction_medium"
    granularity = "medium"
    labels = ("left", "right", "back")
    questions = MEDIUM_QUESTIONS


@register_task
class ObjectRelDirectionEasy(RelDirection):
    """GROUND_TRUTH.md object_rel_direction_easy: left or right; targets behind are rejected."""

    name = "object_rel_direction_easy"
    granularity = "easy"
    labels = ("left", "right")
    questions = EASY_QUESTIONS
