"""Visibility in one view: which of two objects is more visible, whether one hides another.

Each question is about one frame of ``ctx.views`` and shows only that frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from spatialqa import moved
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
from spatialqa.oracle import frame_visibility, occluded_by, visibility_compare

VISIBILITY_QUESTIONS = (
    "In this image, which object is more visible, the {a} or the {b}? Count both what other "
    "things hide and what the image border cuts off.",
    "Which shows a larger share of itself in this image (not hidden by other objects or cut off "
    "by the frame): the {a} or the {b}?",
    "Comparing how much of each object can be seen in this picture, occlusion and the image "
    "border included, which is more visible: the {a} or the {b}?",
)


@dataclass(frozen=True)
class VisibilityCompareParams:
    min_difference: float = 0.05


@register_task
class VisibilityCompare(Task):
    """GROUND_TRUTH.md visibility_compare: the larger visible share of the object's whole
    projected silhouette; rejected when the two shares differ by less than 0.05."""

    unseen_is_an_answer = True
    name = "visibility_compare"
    family = "visibility"
    answer_type = "mc"
    metric = "accuracy"
    Params = VisibilityCompareParams

    candidates = staticmethod(view_pairs)

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        view, first, second, a, b = view_pair_in_order(ctx, candidate, rng)
        fact = visibility_compare(ctx.scene, a, b, view)
        if fact.margin < self.params.min_difference:
            return Undecided(
                "difference of visible fractions", fact.margin, self.params.min_difference, "%"
            )
        options, letter = either(letters, fact.value, first, second, rng=rng)
        counts = frame_visibility(ctx.scene, view)
        steps = []
        for category, i in ((first, a), (second, b)):
            k = counts.index(i)
            whole = counts.silhouette_pixels[k] + counts.outside_pixels[k]
            steps.append(
                f"The {category} shows {counts.visible_pixels[k]} px of its {whole:.0f} px "
                f"projected silhouette ({counts.shown_fraction[k]:.1%})."
            )
        return Draft(
            fact=fact,
            question=with_options(phrase(rng, VISIBILITY_QUESTIONS, a=first, b=second), options),
            answer=letter,
            choices=options,
            rationale=derivation(
                *steps,
                f"The {fact.value} is more visible, by {fact.margin:.1%}: option {letter}.",
            ),
            objects=refs(ctx.scene, first=a, second=b),
            margin=float(fact.margin),
            views=(view,),
        )


OCCLUSION_QUESTIONS = (
    "From the camera's point of view, is the {target} partly hidden behind the {occluder} in "
    "this image?",
    "In this image, does the {occluder} block part of the {target} from the camera's view?",
    "Seen from the camera, is some of the {target} covered by the {occluder}?",
)


@dataclass(frozen=True)
class OcclusionParams:
    min_fraction: float = 0.1
    min_margin: float = 0.05
    hard_negatives: bool = True
    """Ask "no" only where the occluder's visible part is nearer the camera than the target's,
    so that "the nearer one hides the farther" is not a shortcut."""


@register_task
class Occlusion(Task):
    """GROUND_TRUTH.md occlusion: yes when the occluder covers at least ``min_fraction`` of the
    target's silhouette; rejected within ``min_margin`` of that threshold."""

    unseen_is_an_answer = True
    name = "occlusion"
    family = "visibility"
    answer_type = "yes_no"
    metric = "accuracy"
    Params = OcclusionParams

    def candidates(self, ctx: Context) -> list[tuple[str, str, str]]:
        return view_pairs(ctx, ordered=True)

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        view, target_name, occluder_name = candidate
        named = view_referents(ctx, view)
        target, occluder = named[target_name], named[occluder_name]
        fact = occluded_by(ctx.scene, target, occluder, view, self.params.min_fraction)
        if fact.margin < self.params.min_margin:
            return Undecided(
                f"covered share's distance from {self.params.min_fraction:.0%}",
                fact.margin,
                self.params.min_margin,
                "%",
            )
        counts = frame_visibility(ctx.scene, view)
        depth = {i: counts.depths[counts.index(i)] for i in (target, occluder)}
        if fact.value == "no" and self.params.hard_negatives and depth[occluder] > depth[target]:
            return None
        detail = fact.detail
        return Draft(
            fact=fact,
            question=phrase(rng, OCCLUSION_QUESTIONS, target=target_name, occluder=occluder_name),
            answer=fact.value,
            rationale=derivation(
                f"Unoccluded, the {target_name} would cover {detail['silhouette_pixels']} px "
                f"of the image.",
                f"The {occluder_name} is in front of {detail['hidden_pixels']} px of them "
                f"({detail['fraction']:.1%}).",
                f"Partly hidden means at least {self.params.min_fraction:.0%}, so the answer is "
                f"{fact.value}.",
            ),
            objects=refs(ctx.scene, target=target, occluder=occluder),
            margin=float(fact.margin),
            views=(view,),
        )


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
