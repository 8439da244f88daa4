"""Relative direction: standing by one object and facing another, where is a third."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations

import numpy as np

from spatialqa.generators.choices import LetterBalancer, with_options
from spatialqa.generators.registry import register_task
from spatialqa.generators.task import Context, Draft, Task, phrase, refs
from spatialqa.oracle import object_distance, relative_direction

HARD_LABELS = ("front-left", "front-right", "back-left", "back-right")
HARD_QUESTIONS = (
    "If I am standing by the {P} and facing the {O}, is the {Q} to my front-left, front-right, "
    "back-left, or back-right? The directions refer to the quadrants of a Cartesian plane (if I "
    "am standing at the origin and facing along the positive y-axis).",
    "Imagine standing next to the {P}, looking towards the {O}. Seen from that position, in which "
    "quadrant is the {Q}: front-left, front-right, back-left or back-right?",
    "From the viewpoint of someone at the {P} who faces the {O}, which quadrant around them "
    "contains the {Q}: front-left, front-right, back-left or back-right?",
)


@dataclass(frozen=True)
class DirectionParams:
    boundary_deg: float = 10.0
    min_distance: float = 0.30
    max_distance: float = 5.0
    max_corners_off: int = 2


@register_task
class ObjectRelDirectionHard(Task):
    """GROUND_TRUTH.md object_rel_direction_hard, with the symmetric boundary filter."""

    name = "object_rel_direction_hard"
    family = "direction"
    answer_type = "mc"
    metric = "accuracy"
    Params = DirectionParams

    def candidates(self, ctx: Context) -> list[tuple[str, str, str]]:
        return list(permutations(ctx.unique, 3))

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | None:
        p, o, q = (ctx.unique[c] for c in candidate)
        params = self.params
        for a, b in ((p, o), (p, q), (o, q)):
            distance = object_distance(ctx.scene, a, b).value  # the oracle caches each pair
            if not params.min_distance <= distance <= params.max_distance:
                return None
        fact = relative_direction(ctx.scene, p, o, q, granularity="hard")
        if fact.margin < params.boundary_deg or fact.detail["corners_off"] > params.max_corners_off:
            return None
        names = dict(zip("POQ", candidate, strict=True))
        options, letter = letters.arrange(
            fact.value, [label for label in HARD_LABELS if label != fact.value], rng=rng
        )
        theta = fact.detail["angle_deg"]
        rationale = (
            f"Standing at the {names['P']} and facing the {names['O']}, the {names['Q']} lies "
            f"{theta:.1f} degrees counter-clockwise from the facing direction (box centres, "
            f"seen from above). Angles in [0, 90) are front-left, [90, 180) back-left, "
            f"[180, 270) back-right and [270, 360) front-right, so the answer is {fact.value} "
            f"({fact.margin:.1f} degrees from the nearest boundary)."
        )
        return Draft(
            fact=fact,
            question=with_options(phrase(rng, HARD_QUESTIONS, **names), options),
            question_vsi=HARD_QUESTIONS[0].format(**names),
            answer=letter,
            choices=options,
            rationale=rationale,
            objects=refs(ctx.scene, standing=p, facing=o, target=q),
            margin=float(fact.margin),
        )
