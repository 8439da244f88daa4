"""Counting: how many instances of a category the views (or one view) show, and which of two
categories has more."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from spatialqa.generators.choices import LetterBalancer, either, with_options
from spatialqa.generators.referents import tau_text
from spatialqa.generators.registry import register_task
from spatialqa.generators.sample import ObjectRef
from spatialqa.generators.task import Context, Draft, Made, Rng, Task, derivation, phrase
from spatialqa.oracle import count_comparison, frame_visibility, instance_count, visible_count

COUNT_QUESTIONS = (
    "How many {category}(s) are in this room?",
    "Counting every instance seen in the video, how many {category}(s) does this room contain?",
    "What is the number of {category}(s) in this room?",
)
COUNT_COMPARE_QUESTIONS = (
    "Are there more {a}(s) or {b}(s) in this room?",
    "Which category has more instances in this room: {a} or {b}?",
    "Counting every instance in the video, which is more numerous, {a} or {b}?",
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

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        (category,) = candidate
        fact = instance_count(ctx.scene, category, list(ctx.views), ctx.tau_instance, ctx.tau_frame)
        if not fact.answerable:
            return None
        count = int(fact.value)
        shown = sorted((int(i) for i in fact.instance_ids), key=lambda i: ctx.scene.object(i).id)
        rationale = (
            f"Instances of {category} visible in the views ({tau_text(ctx)}): ids {shown}. "
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


VISIBLE_COUNT_QUESTIONS = (
    "How many {category}(s) can be seen in this image?",
    "Count the {category}(s) visible in this picture. How many are there?",
    "In this frame, how many {category}(s) are visible?",
)


@dataclass(frozen=True)
class VisibleCountParams:
    min_count: int = 1


@register_task
class VisibleCount(Task):
    """GROUND_TRUTH.md visible_count: instances of a category visible above tau in one frame.

    Rejected when another instance shows some pixels but stays below tau: a viewer could count
    it or not.
    """

    unseen_is_an_answer = True
    name = "visible_count"
    family = "counting"
    answer_type = "integer"
    metric = "mra"
    Params = VisibleCountParams

    def candidates(self, ctx: Context) -> list[tuple[str, str]]:
        return [(view, category) for view in ctx.views for category in sorted(ctx.scene.categories)]

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        view, category = candidate
        fact = visible_count(ctx.scene, category, view, ctx.tau_instance, ctx.tau_frame)
        if fact.value < self.params.min_count:
            return None
        counts = frame_visibility(ctx.scene, view)
        glimpsed = [
            i
            for i in ctx.scene.categories[category]
            if i not in fact.instance_ids and counts.visible_pixels[counts.index(i)] > 0
        ]
        if glimpsed:
            return None
        pixels = ", ".join(
            f"id {i}: {counts.visible_pixels[counts.index(i)]} px" for i in fact.instance_ids
        )
        return Draft(
            fact=fact,
            question=phrase(rng, VISIBLE_COUNT_QUESTIONS, category=category),
            answer=str(fact.value),
            value=float(fact.value),
            rationale=derivation(
                f"Instances of {category} visible in this frame ({pixels}), each at least "
                f"{ctx.tau_instance:.0%} of the object or {ctx.tau_frame:.1%} of the frame.",
                f"No other {category} shows a single pixel, so the count is {fact.value}.",
            ),
            objects=tuple(ObjectRef(i, category, "counted") for i in fact.instance_ids),
            views=(view,),
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

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        first, second = (candidate[i] for i in rng.permutation(2))
        fact = count_comparison(
            ctx.scene, first, second, list(ctx.views), ctx.tau_instance, ctx.tau_frame
        )
        if not fact.answerable:
            return None
        options, letter = either(letters, fact.value, first, second, rng=rng)
        n1, n2 = fact.detail["counts"]
        scene = ctx.scene
        return Draft(
            fact=fact,
            question=with_options(phrase(rng, COUNT_COMPARE_QUESTIONS, a=first, b=second), options),
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
