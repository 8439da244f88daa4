"""Appearance: whether a category appears in the video at all, and in which order categories
first appear."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, permutations

from spatialqa.generators.choices import LetterBalancer, with_options
from spatialqa.generators.referents import tau_text
from spatialqa.generators.registry import register_task
from spatialqa.generators.sample import ObjectRef
from spatialqa.generators.task import Context, Draft, Made, Rng, Task, Undecided, derivation, phrase
from spatialqa.oracle import appearance_order, object_existence

EXISTENCE_VOCABULARY = (
    "armchair", "bathtub", "bed", "bicycle", "bookshelf", "cabinet", "chair", "clock",
    "coffee table", "desk", "dishwasher", "dresser", "fireplace", "guitar", "lamp", "microwave",
    "mirror", "monitor", "nightstand", "oven", "piano", "plant", "printer", "refrigerator",
    "shelf", "sink", "sofa", "stool", "table", "toilet", "trash can", "tv", "wardrobe",
    "washing machine",
)  # fmt: skip
"""Indoor categories asked about when absent from a scene (the "no" side of existence)."""


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
    hint = (
        "needs four categories first seen more than min_gap_s apart: many views along a path "
        "that brings furniture into view one piece after another, e.g. "
        "`views: {trajectory: tour, frames: 16}`"
    )

    def candidates(self, ctx: Context) -> list[tuple[str, ...]]:
        shown = sorted({ctx.scene.object(i).category for i in ctx.visible})
        return list(combinations(shown, 4))

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
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

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
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
