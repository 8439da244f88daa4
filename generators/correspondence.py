"""Point correspondence across two delivered frames (BLINK's and Multi-SpatialMLLM's question):
which labelled point of the second image is the marked point of the first, or where it is.

A frame pair is asked when its visible surfaces overlap (``view_overlap`` between
``min_overlap`` and ``max_overlap``: enough to share a spot, not so much that any point
answers). The marked point is one of the first frame's surface samples that the second frame
sees (``oracle.correspondence``), both pixels ``BORDER_PX`` inside their images, picked by the
sample's rng. Marks are not drawn here: the draft's ``labels["marks"]`` says where (pixels of
the scene's own frames) and the pipeline draws them on each delivered image, after its
degradation, so they stay crisp and move with the pixels.

With abstention on, a point the trajectory's frames see is marked where a delivered frame
shows it and asked of a delivered view that does not see it (``reframe_pair``): the answer
is "cannot be determined", with the undelivered frames that see it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import permutations

import numpy as np

from spatialqa.errors import ConfigError, TaskError
from spatialqa.generators.abstention import Unanswerable
from spatialqa.generators.choices import LETTERS, LetterBalancer, with_options
from spatialqa.generators.registry import register_task
from spatialqa.generators.sample import ABSTAIN_ANSWER, ObjectRef
from spatialqa.generators.task import Context, Draft, Made, Rng, Task, derivation
from spatialqa.oracle import Fact, marked_correspondence, point_correspondence, view_overlap
from spatialqa.oracle.correspondence import (
    BORDER_PX,
    OVERLAP_STRIDE,
    SAME_POINT_M,
    distractors,
    pair_samples,
)
from spatialqa.seeding import rng_for

MARKED_QUESTION = (
    "A point is circled on the first image, labeled REF. Which labelled point on the second "
    "image shows the same spot of the scene?"
)
COORDS_QUESTION = (
    "Given the point {point} in the first image (0-1000 of width and height, origin top-left), "
    "where is it in the second image? Answer with [x, y] in the same units."
)
REF = "REF"
OPTIONS = 4
UNSEEN = "point not seen in the second view"
"""How an abstention item's reason begins: the delivered second view does not see the point."""
HINT = (
    "needs two delivered views whose visible surfaces overlap by 0.06-0.35 (params "
    "min_overlap, max_overlap): several views along one path, e.g. `views: {frames: 8}`"
)
"""What both correspondence tasks need of the views (``Task.hint``)."""


@dataclass(frozen=True)
class CorrespondenceParams:
    min_overlap: float = 0.06
    max_overlap: float = 0.35
    min_gap: float = 0.05
    """Distractors' least distance from the answer and from each other, share of the width."""
    stride: int = OVERLAP_STRIDE

    def __post_init__(self) -> None:
        if not 0 <= self.min_overlap <= self.max_overlap <= 1:
            raise ConfigError(
                "params.min_overlap, params.max_overlap: need 0 <= min_overlap <= max_overlap "
                f"<= 1 (got {self.min_overlap}, {self.max_overlap})"
            )
        if not 0 < self.min_gap < 0.5:
            raise ConfigError(f"params.min_gap: must be in (0, 0.5) (got {self.min_gap})")
        if isinstance(self.stride, bool) or not isinstance(self.stride, int):
            raise ConfigError(f"params.stride: must be an integer (got {self.stride!r})")
        if not 1 <= self.stride <= 64:
            raise ConfigError(f"params.stride: must be in 1..64 (got {self.stride})")


@dataclass(frozen=True)
class Picked:
    """The marked point of a frame pair: its pixel in the first frame and its fact."""

    first: str
    second: str
    x: float
    y: float
    fact: Fact


class _Correspondence(Task):
    """Shared by both forms: frame pairs by overlap, the point picked, its rationale."""

    family = "correspondence"
    hint = HINT
    Params = CorrespondenceParams
    shared_categories = True  # one referent

    def candidates(self, ctx: Context) -> list[tuple[str, str]]:
        """Ordered pairs of delivered frames: (shown first, shown second)."""
        return list(permutations(ctx.views, 2))

    def pick(self, ctx: Context, candidate: tuple, rng: Rng) -> Picked | None:
        """A point of the first frame the second sees, both pixels inside the border; None
        when the pair's overlap is outside the task's range or no sample qualifies."""
        first, second = candidate
        params = self.params
        overlap = view_overlap(ctx.scene, first, second, params.stride)
        if not params.min_overlap <= overlap.value <= params.max_overlap:
            return None
        samples = pair_samples(ctx.scene, first, second, params.stride)
        a, b = ctx.scene.frame(first), ctx.scene.frame(second)
        good = samples.seen & _inside(samples.pixels, a) & _inside(samples.uv, b)
        choices = np.flatnonzero(good)
        if not len(choices):
            return None
        x, y = (float(c) for c in samples.pixels[choices[int(rng.integers(len(choices)))]])
        fact = point_correspondence(ctx.scene, first, second, x, y)
        if not fact.answerable:  # the samples and the operation are one computation
            raise TaskError(f"task {self.name}: ({x}, {y}) of {first} is not seen from {second}")
        return Picked(first, second, x, y, fact)

    @staticmethod
    def referents(ctx: Context, fact: Fact) -> tuple[ObjectRef, ...]:
        return tuple(
            ObjectRef(i, ctx.scene.object(i).category, "marked") for i in fact.instance_ids
        )

    def reframe_pair(
        self, ctx: Context, draft: Draft, candidate: tuple, seed: int
    ) -> tuple[Draft, Unanswerable | None]:
        """The abstention item of a draft over the trajectory (``generators.abstention``
        calls this). The draft's surface point, marked where a delivered frame shows it
        (``BORDER_PX`` inside; the draft's own first frame when delivered), is asked of
        another delivered view that does not see it (hidden, or out of view) and whose
        overlap with the marked one is in the task's range (the task asks that pair); frames
        of the trajectory outside the delivered ones that see it would answer. Pairs in the
        seed's order; (draft, None) when none qualifies."""
        scene, params = ctx.scene, self.params
        first, _ = draft.views
        x, y = draft.fact.detail["pixel_a"]
        marked: dict[str, tuple[float, float]] = {first: (x, y)} if first in ctx.views else {}
        for view in ctx.views:
            if view != first:
                fact = point_correspondence(scene, first, view, x, y)
                if fact.answerable and fact.margin >= 0:
                    marked[view] = tuple(fact.detail["pixel_b"])
        pairs = [(a, b) for a in ctx.views if a in marked for b in ctx.views if b != a]
        for k in rng_for(seed, "reframed pair").permutation(len(pairs)):
            a, b = pairs[k]
            u, v = marked[a]
            overlap = view_overlap(scene, a, b, params.stride).value
            if not params.min_overlap <= overlap <= params.max_overlap:
                continue
            point = point_correspondence(scene, a, b, u, v)
            if point.answerable or "point_m" not in point.detail:
                continue  # seen there, or (float rounding) a ray past the surface's edge
            answering = tuple(
                view
                for view in ctx.trajectory
                if view not in ctx.views and _sees(ctx, a, view, u, v)
            )
            made = self.unseen(ctx, point, rng_for(seed, "reframed marks")) if answering else None
            if made is None:
                continue
            fact, question, labels = made
            why = Unanswerable(
                missing=(),
                reason=f"{UNSEEN} ({b}): {point.why_not}",
                answerable_views=answering,
                rationale=derivation(
                    _hit(u, v, point.detail),
                    f"In the second image ({b}) it is not seen: {point.why_not}.",
                    f"Frame(s) {', '.join(answering)} of the trajectory see it (their ray "
                    f"through its pixel meets it within {100 * SAME_POINT_M:.0f} cm, "
                    f"{BORDER_PX:.0f} px or more inside the image). So the answer "
                    f"{ABSTAIN_ANSWER}.",
                ),
                labels=labels,
            )
            item = replace(
                draft,
                fact=fact,
                question=question,
                objects=self.referents(ctx, point),
                views=(a, b),
                margin=None,
                labels=None,
            )
            return item, why
        return draft, None

    @staticmethod
    def steps(picked: Picked, where: str) -> tuple[str, ...]:
        d = picked.fact.detail
        u, v = d["pixel_b"]
        return (
            _hit(picked.x, picked.y, d),
            f"That point projects to pixel ({u:.1f}, {v:.1f}) of the second image, "
            f"{d['depth_b_m']:.2f} m in front of its camera; the second camera's ray through it "
            f"first meets a surface {100 * d['gap_m']:.2f} cm from the point (within "
            f"{100 * SAME_POINT_M:.0f} cm), so the second image shows the same spot there.",
            where,
        )


def _hit(x: float, y: float, detail: dict) -> str:
    """The rationale's first step: what the first camera's ray through (x, y) meets."""
    px, py, pz = detail["point_m"]
    return (
        f"The first camera's ray through pixel ({x:.0f}, {y:.0f}) of the first image first "
        f"meets the {detail['surface_category']} at ({px:.2f}, {py:.2f}, {pz:.2f}) m (world), "
        f"{detail['depth_a_m']:.2f} m in front of the camera."
    )


def _sees(ctx: Context, first: str, view: str, x: float, y: float) -> bool:
    """Whether ``view`` sees the point of pixel (x, y) of ``first``, ``BORDER_PX`` inside."""
    fact = point_correspondence(ctx.scene, first, view, x, y)
    return fact.answerable and fact.margin >= 0


def _inside(uv: np.ndarray, frame) -> np.ndarray:
    """(n,) bool: pixels at least ``BORDER_PX`` inside the frame's image."""
    low = BORDER_PX - 0.5
    high = np.array([frame.width, frame.height]) - 0.5 - BORDER_PX
    return np.all((uv >= low) & (uv <= high), axis=1)


@register_task
class PointCorrespondence(_Correspondence):
    """GROUND_TRUTH.md point_correspondence: REF marked on the first image, four labelled
    points on the second (the answer and three distractors on visible surfaces, at least
    ``min_gap`` x width from the answer and from each other)."""

    name = "point_correspondence"
    answer_type = "mc"
    metric = "accuracy"

    def unseen(self, ctx: Context, point: Fact, rng: Rng) -> tuple[Fact, str, dict] | None:
        """The question asked of a second view that does not see the point (its fact, text
        and marks): four labelled points on its visible surfaces, none at the point's
        projection (when that falls in the image); None when they do not fit."""
        first, view = point.views
        d = point.detail
        x, y = d["pixel_a"]
        shown = d.get("depth_b_m", -1.0) > 0 and d.get("border_b_px", -1.0) >= 0
        width = ctx.scene.frame(view).width
        found = distractors(
            ctx.scene,
            view,
            np.asarray(d["pixel_b"]) if shown else None,
            OPTIONS,
            self.params.min_gap * width,
            rng=rng,
        )
        if found is None:
            return None
        marks = [[float(c) for c in mark] for mark in found]
        names = [f"point {LETTERS[k]}" for k in range(OPTIONS)]
        fact = marked_correspondence(ctx.scene, first, view, x, y, marks, names)
        labels = {
            "marks": {
                first: [{"xy": [x, y], "label": REF}],
                view: [{"xy": marks[k], "label": LETTERS[k]} for k in range(OPTIONS)],
            }
        }
        choices = tuple(f"{LETTERS[k]}. {names[k]}" for k in range(OPTIONS))
        return fact, with_options(MARKED_QUESTION, choices), labels

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        picked = self.pick(ctx, candidate, rng)
        if picked is None:
            return None
        second = ctx.scene.frame(picked.second)
        target = np.asarray(picked.fact.detail["pixel_b"])
        wrong = distractors(
            ctx.scene,
            picked.second,
            target,
            OPTIONS - 1,
            self.params.min_gap * second.width,
            rng=rng,
        )
        if wrong is None:
            return None
        points = [target, *wrong]
        options, letter = letters.arrange("0", [str(i) for i in range(1, OPTIONS)], rng=rng)
        order = [int(option[3:]) for option in options]  # which point each letter shows
        marks = [[float(c) for c in points[i]] for i in order]
        names = [f"point {LETTERS[k]}" for k in range(OPTIONS)]
        fact = marked_correspondence(
            ctx.scene, picked.first, picked.second, picked.x, picked.y, marks, names
        )
        if fact.value != f"point {letter}":
            raise TaskError(f"task {self.name}: the marks say {fact.value}, the letters {letter}")
        choices = tuple(f"{LETTERS[k]}. {names[k]}" for k in range(OPTIONS))
        nearest = min(
            float(np.hypot(*(np.asarray(marks[k]) - target)))
            for k in range(OPTIONS)
            if LETTERS[k] != letter
        )
        return Draft(
            fact=fact,
            question=with_options(MARKED_QUESTION, choices),
            answer=letter,
            choices=choices,
            rationale=derivation(
                *self.steps(
                    picked,
                    f"Of the labelled points of the second image, {fact.value} is drawn at that "
                    f"pixel; the nearest other label is {nearest:.0f} px away. Option {letter}.",
                )
            ),
            objects=self.referents(ctx, fact),
            margin=float(fact.margin),
            views=(picked.first, picked.second),
            labels={
                "marks": {
                    picked.first: [{"xy": [picked.x, picked.y], "label": REF}],
                    picked.second: [{"xy": marks[k], "label": LETTERS[k]} for k in range(OPTIONS)],
                }
            },
        )


@register_task
class PointCorrespondenceCoords(_Correspondence):
    """GROUND_TRUTH.md point_correspondence_coords: the first image's point given as [x, y]
    (0-1000), its place in the second image asked in the same units; correct within 50 units
    (5% of the width), as Multi-SpatialMLLM scores it (metric ``point_in_radius``)."""

    name = "point_correspondence_coords"
    answer_type = "point"
    metric = "point_in_radius"

    @staticmethod
    def unseen(ctx: Context, point: Fact, rng: Rng) -> tuple[Fact, str, dict]:
        """The question asked of a second view that does not see the point: the point's
        fact, the question and the query point it quotes (no answer point)."""
        x, y = point.detail["pixel_a"]
        text = _written(point.detail["normalised_a"])
        query = {"view": point.views[0], "xy": [x, y], "text": text}
        return point, COORDS_QUESTION.format(point=text), {"view_points": {"query": query}}

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        picked = self.pick(ctx, candidate, rng)
        if picked is None:
            return None
        fact = picked.fact
        d = fact.detail
        query = _written(d["normalised_a"])
        answer = _written(fact.value)
        return Draft(
            fact=fact,
            question=COORDS_QUESTION.format(point=query),
            answer=answer,
            rationale=derivation(
                *self.steps(
                    picked,
                    f"Scaled to 0-1000 of the second image's {d['size_b'][0]} x "
                    f"{d['size_b'][1]} pixels and rounded: {answer}.",
                )
            ),
            objects=self.referents(ctx, fact),
            margin=float(fact.margin),
            views=(picked.first, picked.second),
            labels={
                "view_points": {
                    "query": {"view": picked.first, "xy": [picked.x, picked.y], "text": query},
                    "answer": {"view": picked.second, "xy": d["pixel_b"], "text": answer},
                }
            },
        )


def _written(point: list[int]) -> str:
    return f"[{point[0]}, {point[1]}]"
