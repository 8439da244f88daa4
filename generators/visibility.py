"""What the views show: existence, first appearance, which object is more visible, occlusion.

View-grounded tasks ask about one frame of ``ctx.views`` and show only that frame; a category
names an object there when exactly one of its instances is visible above tau in that frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations, permutations
from types import MappingProxyType

import numpy as np

from spatialqa.generators.abstention import Undecided
from spatialqa.generators.choices import LetterBalancer, with_options
from spatialqa.generators.registry import register_task
from spatialqa.generators.sample import ObjectRef
from spatialqa.generators.task import Context, Draft, Task, derivation, phrase, refs
from spatialqa.oracle import (
    appearance_order,
    frame_visibility,
    object_existence,
    occluded_by,
    visibility_compare,
)
from spatialqa.oracle.geometry import derived

FROM_CAMERA = "from the camera's point of view"
EXISTENCE_VOCABULARY = (
    "armchair", "bathtub", "bed", "bicycle", "bookshelf", "cabinet", "chair", "clock",
    "coffee table", "desk", "dishwasher", "dresser", "fireplace", "guitar", "lamp", "microwave",
    "mirror", "monitor", "nightstand", "oven", "piano", "plant", "printer", "refrigerator",
    "shelf", "sink", "sofa", "stool", "table", "toilet", "trash can", "tv", "wardrobe",
    "washing machine",
)  # fmt: skip
"""Indoor categories asked about when absent from a scene (the "no" side of existence)."""


def view_referents(ctx: Context, view: str) -> Mapping[str, int]:
    """Category -> instance id for categories with exactly one instance visible above tau in
    ``view`` (GROUND_TRUTH.md's referent rule for view-grounded tasks), sorted by category.
    Cached per scene, view and taus (read-only: every task of the scene shares it)."""

    def compute() -> Mapping[str, int]:
        counts = frame_visibility(ctx.scene, view)
        flags = counts.is_visible(ctx.tau_instance, ctx.tau_frame)
        shown: dict[str, list[int]] = {}
        for instance_id, flag in zip(counts.instance_ids.tolist(), flags.tolist(), strict=True):
            if flag:
                shown.setdefault(ctx.scene.object(instance_id).category, []).append(instance_id)
        named = {category: ids[0] for category, ids in sorted(shown.items()) if len(ids) == 1}
        return MappingProxyType(named)

    key = (view, ctx.tau_instance, ctx.tau_frame)
    return derived(ctx.scene).memo("view_referents", key, compute)


def view_pairs(ctx: Context, ordered: bool = False) -> list[tuple[str, str, str]]:
    """(view, category, category) for every view and pair of its referents."""
    pairs = permutations if ordered else combinations
    return [(view, *pair) for view in ctx.views for pair in pairs(view_referents(ctx, view), 2)]


def tau_text(ctx: Context) -> str:
    return f"at least {ctx.tau_instance:.0%} of the object or {ctx.tau_frame:.1%} of a frame"


APPEARANCE_QUESTIONS = (
    "What will be the first-time appearance order of the following categories in the video: "
    "{a}, {b}, {c}, {d}?",
    "In which order do these categories first appear in the video: {a}, {b}, {c}, {d}?",
    "Sort the following by the time each is first seen in the video, earliest first: {a}, {b}, "
    "{c}, {d}.",
)


@dataclass(frozen=True)
class AppearanceParams:
    min_gap_s: float = 1.0


@register_task
class ObjAppearanceOrder(Task):
    """GROUND_TRUTH.md obj_appearance_order: four categories whose first appearances (frame
    timestamps, visible above tau) differ pairwise by more than ``min_gap_s``."""

    name = "obj_appearance_order"
    family = "appearance"
    answer_type = "mc"
    metric = "accuracy"
    Params = AppearanceParams

    def candidates(self, ctx: Context) -> list[tuple[str, ...]]:
        shown = sorted({ctx.scene.object(i).category for i in ctx.visible})
        return list(combinations(shown, 4))

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | Undecided | None:
        listed = [candidate[i] for i in rng.permutation(4)]
        fact = appearance_order(ctx.scene, listed, list(ctx.views), ctx.tau_instance, ctx.tau_frame)
        if not fact.answerable:
            return None
        if fact.margin <= self.params.min_gap_s:
            return Undecided(
                "smallest gap between first appearances", fact.margin, self.params.min_gap_s, "s"
            )
        order = fact.value.split(", ")
        wrong = [", ".join(p) for p in permutations(order) if list(p) != order]
        distractors = [wrong[i] for i in sorted(rng.choice(len(wrong), size=3, replace=False))]
        options, letter = letters.arrange(fact.value, distractors, rng=rng)
        seen = fact.detail["first_seen_s"]
        names = dict(zip("abcd", listed, strict=True))
        first = {c: fact.detail["frames"][c] for c in order}
        shown = {c: next(i for i in ctx.scene.categories[c] if i in ctx.visible) for c in order}
        return Draft(
            fact=fact,
            question=with_options(phrase(rng, APPEARANCE_QUESTIONS, **names), options),
            question_vsi=APPEARANCE_QUESTIONS[0].format(**names),
            answer=letter,
            choices=options,
            rationale=derivation(
                f"A category appears when one of its instances is visible ({tau_text(ctx)}).",
                "First appearances: "
                + "; ".join(f"{c} at {seen[c]:.2f} s (frame {first[c]})" for c in order)
                + ".",
                f"Consecutive first appearances are at least {fact.margin:.2f} s apart, so the "
                f"order is {fact.value}: option {letter}.",
            ),
            objects=tuple(ObjectRef(shown[c], c, "listed") for c in order),
            margin=float(fact.margin),
        )

    def evidence(self, draft: Draft) -> tuple[str, ...]:
        """The frames where the listed categories first appear."""
        return tuple(draft.fact.detail["frames"].values())


EXISTENCE_QUESTIONS = (
    "Is there a {category} in the video?",
    "Does any {category} appear in these frames?",
    "Can a {category} be seen anywhere in the video? Answer yes or no.",
)


@register_task
class ObjectExistence(Task):
    """GROUND_TRUTH.md object_existence: is any instance visible above tau in the views.
    "No" comes from categories absent from the scene or present but never visible."""

    name = "object_existence"
    family = "existence"
    answer_type = "yes_no"
    metric = "accuracy"

    def candidates(self, ctx: Context) -> list[tuple[str]]:
        present = sorted(ctx.scene.categories)
        return [(c,) for c in present] + [
            (c,) for c in EXISTENCE_VOCABULARY if c not in ctx.scene.categories
        ]

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | None:
        (category,) = candidate
        fact = object_existence(
            ctx.scene, category, list(ctx.views), ctx.tau_instance, ctx.tau_frame
        )
        in_scene = fact.detail["in_scene"]
        if fact.value == "yes":
            found = (
                f"Instances of {category} visible in the views ({tau_text(ctx)}): "
                f"ids {list(fact.instance_ids)}."
            )
        elif in_scene:
            found = (
                f"The scene has {in_scene} {category}(s), but none is visible in the views "
                f"({tau_text(ctx)})."
            )
        else:
            found = f"The scene has no {category}."
        return Draft(
            fact=fact,
            question=phrase(rng, EXISTENCE_QUESTIONS, category=category),
            answer=fact.value,
            rationale=derivation(found, f"So the answer is {fact.value}."),
            objects=tuple(ObjectRef(i, category, "target") for i in fact.instance_ids),
        )


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

    def candidates(self, ctx: Context) -> list[tuple[str, str, str]]:
        return view_pairs(ctx)

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | Undecided | None:
        view, *pair = candidate
        first, second = (pair[i] for i in rng.permutation(2))
        named = view_referents(ctx, view)
        a, b = named[first], named[second]
        fact = visibility_compare(ctx.scene, a, b, view)
        if fact.margin < self.params.min_difference:
            return Undecided(
                "difference of visible fractions", fact.margin, self.params.min_difference, "%"
            )
        other = second if fact.value == first else first
        options, letter = letters.arrange(fact.value, [other], rng=rng)
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

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | Undecided | None:
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
