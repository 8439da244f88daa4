"""Counting tasks: how many instances of a category the views show."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spatialqa.generators.choices import LetterBalancer
from spatialqa.generators.registry import register_task
from spatialqa.generators.sample import ObjectRef
from spatialqa.generators.task import Context, Draft, Task, phrase
from spatialqa.oracle import instance_count

COUNT_QUESTIONS = (
    "How many {category}(s) are in this room?",
    "Counting every instance seen in the video, how many {category}(s) does this room contain?",
    "What is the number of {category}(s) in this room?",
)


@dataclass(frozen=True)
class CountingParams:
    min_count: int = 2


@register_task
class ObjectCounting(Task):
    """GROUND_TRUTH.md object_counting: asked only when the annotation agrees with the views."""

    name = "object_counting"
    family = "counting"
    answer_type = "integer"
    metric = "mra"
    Params = CountingParams

    def candidates(self, ctx: Context) -> list[tuple[str]]:
        return [
            (category,)
            for category, ids in sorted(ctx.scene.categories.items())
            if len(ids) >= self.params.min_count
        ]

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | None:
        (category,) = candidate
        fact = instance_count(ctx.scene, category, list(ctx.views), ctx.tau_instance, ctx.tau_frame)
        if not fact.answerable:
            return None
        count = int(fact.value)
        shown = sorted((int(i) for i in fact.instance_ids), key=lambda i: ctx.scene.object(i).id)
        rationale = (
            f"Instances of {category} visible in the views (at least {ctx.tau_instance:.0%} of "
            f"the object or {ctx.tau_frame:.1%} of a frame): ids {shown}. "
            f"That is {count} {category}(s)."
        )
        return Draft(
            fact=fact,
            question=phrase(rng, COUNT_QUESTIONS, category=category),
            question_vsi=COUNT_QUESTIONS[0].format(category=category),
            answer=str(count),
            value=float(count),
            rationale=rationale,
            objects=tuple(ObjectRef(i, category, "counted") for i in shown),
            margin=fact.margin,
        )
