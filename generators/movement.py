"""Objects that move between two delivered frames: which one moved, how far, which way.

Each question shows two delivered frames, the first earlier, in different states of the scene
(a motion keyframe falls between their times: ``Scene.state_key`` differs). Each frame sees the
scene at its own time, so referents are named by what the two frames show: a category names an
object when exactly one of its instances is visible above tau in either frame, and that
instance is visible in both (GROUND_TRUTH "Object movement"; the view-grounded referent rule
over the pair). Directions are on the floor, in the first camera's frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from itertools import permutations
from types import MappingProxyType

import numpy as np

from spatialqa.generators.abstention import Unanswerable, too_close
from spatialqa.generators.choices import LetterBalancer, with_options
from spatialqa.generators.referents import tau_text
from spatialqa.generators.registry import register_task
from spatialqa.generators.sample import ABSTAIN_ANSWER, ObjectRef
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
    refs,
)
from spatialqa.oracle import (
    derived,
    frame_visibility,
    moved_object,
    object_displacement,
    object_move_direction,
    object_moved,
)
from spatialqa.oracle.movement import MOVE_LABELS
from spatialqa.oracle.viewer import has_heading
from spatialqa.seeding import rng_for

MOVED_QUESTIONS = (
    "Between the first and the second image, which of these objects was moved?",
    "Comparing the two images, which one of these objects is no longer where it was in the "
    "first image?",
    "One of these objects changed place between the first and the second image. Which one?",
)
DISPLACEMENT_QUESTIONS = (
    "How far did the {category} move between the two images? Answer in meters, measuring the "
    "move of its center on the floor plane.",
    "Between the first and the second image, the {category} was moved. How many meters did its "
    "center travel across the floor?",
    "In meters, what is the distance along the floor between where the {category} stood in the "
    "first image and where it stands in the second?",
)
DIRECTION_QUESTIONS = (
    "Between the first and the second image, which way did the {category} move, as seen from "
    "the camera of the first image: left, right, towards the camera or away from the camera?",
    "Judged from the first image's point of view, did the {category} then move mainly to the "
    "left, to the right, towards the camera or away from it?",
    "From the first camera's own viewpoint, what was the main direction in which the "
    "{category} was moved by the time of the second image?",
)
SAT_QUESTION = (
    "The {category} moved between the first and the second image. As seen from the camera of "
    "the first image, did it move {a} or {b}?"
)
"""SAT's two-option form: one stem, the two options in either order."""
MOVEMENT_HINT = (
    "needs objects that move and two delivered views on either side of the move: on "
    "procedural rooms `views: {trajectory: moved}` (the walkthrough, 1-3 objects moved halfway)"
)
"""What every movement task needs of the scene and the views (``Task.hint``)."""
OPPOSITE = {label: pair[1 - k] for pair in MOVE_LABELS.values() for k, label in enumerate(pair)}


def _seen(ctx: Context, view: str) -> frozenset[int]:
    """Instances visible above tau in ``view``, the scene as it is at the view's time."""
    state = ctx.scene.at_frame(view)
    counts = frame_visibility(state, view)
    flags = counts.is_visible(ctx.tau_instance, ctx.tau_frame)
    return frozenset(
        i for i, f in zip(counts.instance_ids.tolist(), flags.tolist(), strict=True) if f
    )


def moving_pairs(ctx: Context) -> list[tuple[str, str]]:
    """(first, second) delivered views, the first earlier, with a motion keyframe between
    them (the two see the scene in different states), in the order of ``ctx.views``."""
    scene = ctx.scene
    if not scene.moves:
        return []
    times = {view: scene.frame(view).t for view in ctx.views}
    return [
        (a, b)
        for a, b in permutations(ctx.views, 2)
        if times[a] < times[b] and scene.state_key(times[a]) != scene.state_key(times[b])
    ]


def pair_referents(ctx: Context, first: str, second: str) -> Mapping[str, int]:
    """Category -> instance for categories with exactly one instance visible above tau in
    either view, visible in both; sorted by category, cached per scene, pair and taus."""

    def compute() -> Mapping[str, int]:
        a, b = _seen(ctx, first), _seen(ctx, second)
        shown: dict[str, list[int]] = {}
        for instance in sorted(a | b):
            shown.setdefault(ctx.scene.object(instance).category, []).append(instance)
        named = {
            category: ids[0]
            for category, ids in sorted(shown.items())
            if len(ids) == 1 and ids[0] in a and ids[0] in b
        }
        return MappingProxyType(named)

    key = (first, second, ctx.tau_instance, ctx.tau_frame)
    return derived(ctx.scene).memo("pair_referents", key, compute)


def moving_candidates(ctx: Context) -> list[tuple[str, str, str]]:
    """(first, second, category) for every moving pair and every object named in both views
    that carries motion keyframes (the others cannot have moved)."""
    return [
        (first, second, category)
        for first, second in moving_pairs(ctx)
        for category, instance in pair_referents(ctx, first, second).items()
        if ctx.scene.object(instance).motion
    ]


class _Reframed(Task):
    """Abstention for a question about two frames of the trajectory, asked of a delivered
    pair in the same two states of the scene (``reframe_pair``, which the abstention search
    calls): the delivered pair shows none of a referent, or, for a task whose margin depends
    on the first camera, leaves the margin within the threshold."""

    def reframe_pair(
        self, ctx: Context, draft: Draft, candidate: tuple, seed: int
    ) -> tuple[Draft, Unanswerable | None]:
        first, second = draft.views
        extra = tuple(view for view in (first, second) if view not in ctx.views)
        if not extra:
            return draft, None
        scene = ctx.scene
        states = [scene.state_key(scene.frame(view).t) for view in (first, second)]
        pairs = [
            (a, b)
            for a, b in moving_pairs(ctx)
            if [scene.state_key(scene.frame(view).t) for view in (a, b)] == states
        ]
        for k in rng_for(seed, "reframed pair").permutation(len(pairs)):
            views = pairs[k]
            why = _unseen(ctx, draft, views, extra)
            if why is None and first not in ctx.views:
                why = self._undecided(ctx, candidate, views, (first,), seed)
            if why is not None:
                return replace(draft, views=views), why
        return draft, None

    def _undecided(
        self, ctx: Context, candidate: tuple, views: tuple[str, str], instead: tuple, seed: int
    ) -> Unanswerable | None:
        """The question asked of ``views`` when it names the same object there and its
        margin is within the threshold; the ``instead`` frames decide it."""
        category = candidate[2]
        named = pair_referents(ctx, *views)
        if named.get(category) != pair_referents(ctx, *candidate[:2]).get(category):
            return None
        moved = (*views, *candidate[2:])
        result = self.make(ctx, moved, np.random.default_rng(seed), LetterBalancer())
        if not isinstance(result, Undecided):
            return None
        return too_close(result, views, instead, instead=True)


def _unseen(
    ctx: Context, draft: Draft, views: tuple[str, str], extra: tuple[str, ...]
) -> Unanswerable | None:
    """The record of ``draft`` asked of ``views`` when some referent is visible in neither
    frame, each other one in both, and no other instance of a referent's category shows
    there (the name would point at it); ``extra`` frames (the draft's) show them all."""
    a, b = _seen(ctx, views[0]), _seen(ctx, views[1])
    either = a | b
    if any((ref.instance_id in a) != (ref.instance_id in b) for ref in draft.objects):
        return None
    missing = tuple(ref for ref in draft.objects if ref.instance_id not in either)
    shown = {ctx.scene.object(i).category for i in either}
    if not missing or any(ref.category in shown for ref in missing):
        return None
    names = ", ".join(f"{ref.category} (id {ref.instance_id})" for ref in missing)
    one = len(missing) == 1
    rationale = (
        f"The {names} {'is' if one else 'are'} visible in neither given view {views[0]} nor "
        f"{views[1]} ({tau_text(ctx)}); frame(s) {', '.join(extra)} of the trajectory, in the "
        f"same states of the scene, show {'it' if one else 'them'}. So the answer "
        f"{ABSTAIN_ANSWER}."
    )
    return Unanswerable(
        missing=missing,
        reason=f"referent not visible in the given views: {names}",
        answerable_views=extra,
        rationale=rationale,
    )


@dataclass(frozen=True)
class MovedParams:
    min_displacement: float = 0.1


@register_task
class ObjectMoved(_Reframed):
    """GROUND_TRUTH object_moved: the moved object among three that did not move at all.

    The answer moved its box centre at least ``min_displacement`` on the floor; an object
    turned in place, or moved less, is never an option (it moved, yet barely changed place).
    """

    name = "object_moved"
    family = "object_motion"
    hint = MOVEMENT_HINT
    answer_type = "mc"
    metric = "accuracy"
    Params = MovedParams

    candidates = staticmethod(moving_candidates)

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        first, second, category = candidate
        named = pair_referents(ctx, first, second)
        moved = named[category]
        own = object_moved(ctx.scene, moved, first, second)
        shift = own.detail["displacement_m"]
        if shift < self.params.min_displacement:
            if not own.value:
                return None
            least = self.params.min_displacement
            return Undecided("floor displacement of the moved object", shift, least, "m")
        still = [
            c
            for c, i in named.items()
            if c != category and not object_moved(ctx.scene, i, first, second).value
        ]
        if len(still) < 3:
            return None
        others = [still[k] for k in sorted(rng.choice(len(still), size=3, replace=False))]
        fact = moved_object(ctx.scene, [moved, *(named[c] for c in others)], first, second)
        options, letter = letters.arrange(category, others, rng=rng)
        shown = [option[3:] for option in options]
        rationale = derivation(
            f"Each option is visible in both images; the first image is taken at "
            f"{own.detail['times_s'][0]:.2f} s, the second at {own.detail['times_s'][1]:.2f} s.",
            f"The {category}'s box centre moved {shift:.2f} m across the floor (and turned "
            f"{own.detail['turn_deg']:.0f} degrees); the {', the '.join(others)} did not move.",
            f"So the object that was moved is the {category}.",
        )
        return Draft(
            fact=fact,
            question=with_options(phrase(rng, MOVED_QUESTIONS), options),
            answer=letter,
            choices=options,
            rationale=rationale,
            objects=tuple(ObjectRef(named[c], c, "candidate") for c in shown),
            margin=float(fact.margin),
            views=(first, second),
        )


@dataclass(frozen=True)
class DisplacementParams:
    min_displacement: float = 0.1


@register_task
class ObjectDisplacement(_Reframed):
    """GROUND_TRUTH object_displacement: metres its box centre moved on the floor plane."""

    name = "object_displacement"
    family = "object_motion"
    hint = MOVEMENT_HINT
    answer_type = "number"
    metric = "mra"
    unit = "m"
    Params = DisplacementParams

    candidates = staticmethod(moving_candidates)

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        first, second, category = candidate
        instance = pair_referents(ctx, first, second)[category]
        fact = object_displacement(ctx.scene, instance, first, second)
        if fact.value < self.params.min_displacement:
            return None
        (x0, y0, _), (x1, y1, _) = fact.detail["centre_before_m"], fact.detail["centre_after_m"]
        answer = fmt(fact.value, 2)
        rationale = derivation(
            f"The {category}'s box centre is at ({x0:.2f}, {y0:.2f}) m on the floor plan in "
            f"the first image and at ({x1:.2f}, {y1:.2f}) m in the second.",
            f"The distance between them is {fact.value:.3f} m, which rounds to {answer} m.",
        )
        return Draft(
            fact=fact,
            question=phrase(rng, DISPLACEMENT_QUESTIONS, category=category),
            answer=answer,
            value=float(fact.value),
            rationale=rationale,
            objects=refs(ctx.scene, target=instance),
            margin=float(fact.value - self.params.min_displacement),
            views=(first, second),
        )


@dataclass(frozen=True)
class DirectionParams:
    min_margin: float = 0.15
    sat_style: bool = False


@register_task
class ObjectMoveDirection(_Reframed):
    """GROUND_TRUTH object_move_direction: left, right, towards or away from the first camera,
    whichever of its floor axes the move is larger along, by at least ``min_margin``.

    ``sat_style``: SAT's two options (the answer and its opposite on the same axis), each
    question offered in both orders (two candidates, one stem; the per-scene diversity caps
    may keep only one of a pair, as they may any candidate).
    """

    name = "object_move_direction"
    family = "object_motion"
    hint = MOVEMENT_HINT
    answer_type = "mc"
    metric = "accuracy"
    Params = DirectionParams

    def candidates(self, ctx: Context) -> list[tuple]:
        pairs = [c for c in moving_candidates(ctx) if has_heading(ctx.scene.frame(c[0]))]
        if not self.params.sat_style:
            return pairs
        return [(*c, order) for c in pairs for order in (0, 1)]

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        first, second, category, *order = candidate
        instance = pair_referents(ctx, first, second)[category]
        fact = object_move_direction(ctx.scene, instance, first, second)
        if fact.margin < self.params.min_margin:
            return Undecided(
                "lead of the main direction over the other",
                fact.margin,
                self.params.min_margin,
                "m",
            )
        answer = fact.value
        if order:
            pair = (answer, OPPOSITE[answer])[:: 1 - 2 * order[0]]
            options = tuple(f"{letter}. {text}" for letter, text in zip("AB", pair, strict=True))
            letter = "AB"[order[0]]
            question = with_options(
                SAT_QUESTION.format(category=category, a=pair[0], b=pair[1]), options
            )
        else:
            wrong = [label for pair in MOVE_LABELS.values() for label in pair if label != answer]
            options, letter = letters.arrange(answer, wrong, rng=rng)
            question = with_options(phrase(rng, DIRECTION_QUESTIONS, category=category), options)
        x, z = fact.detail["offset_camera_m"]
        rationale = derivation(
            f"On the floor, in the first camera's frame (x to its right, z along its heading), "
            f"the {category}'s box centre moved by x = {x:+.2f} m, z = {z:+.2f} m.",
            f"|x| = {abs(x):.2f} m, |z| = {abs(z):.2f} m: the "
            f"{'sideways' if fact.detail['axis'] == 'x' else 'towards-away'} component dominates "
            f"by {fact.margin:.2f} m.",
            f"Its sign gives {answer}.",
        )
        return Draft(
            fact=fact,
            question=question,
            answer=letter,
            choices=options,
            rationale=rationale,
            objects=refs(ctx.scene, target=instance),
            margin=float(fact.margin),
            views=(first, second),
        )
