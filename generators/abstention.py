"""Abstention: questions the whole trajectory answers but the delivered views do not.

A task's candidates are built over every frame of the trajectory. A draft becomes an abstention
item, with the frames that would make it answerable, when one of its referents is not visible
above tau in the delivered views (for each missing referent, the frame showing most of it), or
when the delivered views leave its margin within the task's threshold (``Undecided``: objects at
one depth from this camera, first appearances that fall in one delivered frame). The sampler
asks ``abstentions`` for a scene's share of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spatialqa.generators.choices import LetterBalancer
from spatialqa.generators.referents import check_roles
from spatialqa.generators.sample import ABSTAIN_ANSWER, ObjectRef
from spatialqa.generators.task import Context, Draft, Task, Undecided
from spatialqa.oracle import frame_visibility
from spatialqa.scenes import Scene
from spatialqa.seeding import rng_for, stable_seed

ABSTENTION_VERSION = 3
"""2: margins the views leave within a task's threshold abstain too; 3: questions about a
point two frames show abstain when the delivered second view does not see it (with their
marks)."""


@dataclass(frozen=True)
class Unanswerable:
    """Why a draft cannot be answered from the delivered views, and which frames would do."""

    missing: tuple[ObjectRef, ...]
    reason: str
    answerable_views: tuple[str, ...]
    rationale: str
    labels: dict | None = None
    """Labels the item keeps (marks its question points at); other labels are dropped."""


def _best_frames(
    scene: Scene, views: Sequence[str], instance_id: int, tau_instance: float, tau_frame: float
) -> list[tuple[int, str]]:
    """(visible pixels, frame id) of the frames showing ``instance_id`` above tau, most first."""
    shown = []
    for view in views:
        counts = frame_visibility(scene, view)
        i = counts.index(instance_id)
        if counts.is_visible(tau_instance, tau_frame)[i]:
            shown.append((int(counts.visible_pixels[i]), view))
    return sorted(shown, key=lambda item: -item[0])


def unanswerable(
    scene: Scene,
    objects: Sequence[ObjectRef],
    visible: frozenset[int],
    delivered: Sequence[str],
    trajectory: Sequence[str],
    tau_instance: float,
    tau_frame: float,
) -> Unanswerable | None:
    """The abstention record of a question about ``objects``, or None when every referent is
    visible (``visible``: the instances visible above tau in the ``delivered`` views)."""
    missing = tuple(ref for ref in objects if ref.instance_id not in visible)
    if not missing:
        return None
    order = {view: i for i, view in enumerate(trajectory)}
    extra: set[str] = set()
    steps = []
    for ref in missing:
        best = _best_frames(scene, trajectory, ref.instance_id, tau_instance, tau_frame)
        if not best:
            return None  # visible nowhere: no frame would answer it
        extra.add(best[0][1])
        frames = ", ".join(view for _, view in sorted(best, key=lambda b: order[b[1]]))
        steps.append(
            f"The {ref.category} (id {ref.instance_id}, role: {ref.role}) is visible in none of "
            f"the {len(delivered)} given views (at least {tau_instance:.0%} of the object or "
            f"{tau_frame:.1%} of a frame); it is visible in frames {frames} of the trajectory."
        )
    names = ", ".join(f"{ref.category} (id {ref.instance_id})" for ref in missing)
    views = tuple(sorted(extra, key=order.__getitem__))
    steps.append(
        f"Frame(s) {', '.join(views)} would show it. So the answer {ABSTAIN_ANSWER}."
        if len(missing) == 1
        else f"Frames {', '.join(views)} would show them. So the answer {ABSTAIN_ANSWER}."
    )
    return Unanswerable(
        missing=missing,
        reason=f"referent not visible in the given views: {names}",
        answerable_views=views,
        rationale=" ".join(steps),
    )


def too_close(
    undecided: Undecided, asked: Sequence[str], answerable_views: Sequence[str], *, instead: bool
) -> Unanswerable:
    """The abstention record of a question whose margin the ``asked`` views leave within the
    threshold; ``answerable_views`` decide it, used ``instead`` of the asked ones or added."""
    where = "the given view" if len(asked) == 1 else "the given views"
    measured = f"the {undecided.what} is {_amount(undecided.margin, undecided.unit)}"
    frames = ", ".join(answerable_views)
    would = "Asked of" if instead else "With"
    return Unanswerable(
        missing=(),
        reason=(
            f"margin within the threshold in {where}: {measured}, "
            f"at most {_amount(undecided.least, undecided.unit)}"
        ),
        answerable_views=tuple(answerable_views),
        rationale=(
            f"In {where}, {measured}: within the task's threshold of "
            f"{_amount(undecided.least, undecided.unit)}, too close to call. {would} frame(s) "
            f"{frames} it is decided. So the answer {ABSTAIN_ANSWER}."
        ),
    )


def _amount(value: float, unit: str) -> str:
    return f"{value:.1%}" if unit == "%" else f"{value:.2f} {unit}"


def abstention_target(task: Task, ctx: Context, limit: int) -> int:
    """How many of ``limit`` samples are abstention items: ``ctx.abstention`` of them, the
    fraction settled by a seeded coin per scene so the expected share is exact."""
    if ctx.abstention <= 0 or ctx.everything is None:
        return 0
    expected = ctx.abstention * limit
    coin = rng_for(ctx.seed, ctx.scene.scene_id, task.name, "abstain").random()
    return min(limit, int(expected) + int(coin < expected - int(expected)))


def abstentions(task: Task, ctx: Context, target: int) -> list[tuple[Draft, int, Unanswerable]]:
    """Up to ``target`` questions over the whole trajectory that the views cannot answer, as
    (draft, seed, why).

    A scene-level draft abstains when the views miss a referent or leave its margin within
    the threshold. A view-grounded draft (about one frame of the trajectory) is asked of a
    delivered view instead: one that shows its referents but leaves the margin within the
    threshold, or else one that misses a referent.
    """
    full = ctx.everything
    if target == 0 or full is None:
        return []
    scene_id = ctx.scene.scene_id
    candidates = list(task.candidates(full))
    shuffled = rng_for(ctx.seed, scene_id, task.name, "abstain order").permutation(len(candidates))
    # Candidates naming an unseen instance or category first: the search is bounded.
    unseen = {i for i in full.visible if i not in ctx.visible}
    unseen_names = {ctx.scene.object(i).category for i in unseen}
    order = sorted(
        shuffled,
        key=lambda i: (
            not any(
                part in unseen_names if isinstance(part, str) else part in unseen
                for part in candidates[i]
                if isinstance(part, (str, int, np.integer))
            )
        ),
    )
    letters = LetterBalancer()
    asked: set[tuple] | None = None  # the delivered views' candidates, when first needed
    found: list[tuple[Draft, int, Unanswerable]] = []
    for tries, position in enumerate(order):
        if len(found) == target or tries == 4 * target + 16:
            break
        seed = stable_seed(ctx.seed, scene_id, task.name, "abstain", len(found))
        candidate = candidates[position]
        draft = task.make(full, candidate, np.random.default_rng(seed), letters)
        if not isinstance(draft, Draft):
            continue
        check_roles(task, draft)
        if draft.views is None:
            why = unanswerable(
                ctx.scene,
                draft.objects,
                ctx.visible,
                ctx.views,
                ctx.trajectory,
                ctx.tau_instance,
                ctx.tau_frame,
            ) or _undecided(task, ctx, draft, candidate, seed)
        elif len(draft.views) == 1 and draft.objects:
            asked = set(task.candidates(ctx)) if asked is None else asked
            draft, why = _reframed(task, ctx, draft, candidate, seed, asked)
            if why is None and not task.unseen_is_an_answer:
                draft, why = _off_view(ctx, draft, seed)
        elif len(draft.views) == 2 and hasattr(task, "reframe_pair"):
            draft, why = task.reframe_pair(ctx, draft, candidate, seed)  # movement, points
        else:
            break  # other questions about frame pairs: what they ask is seen in both frames
        if why is not None:
            found.append((draft, seed, why))
    return found


def _undecided(
    task: Task, ctx: Context, draft: Draft, candidate: tuple, seed: int
) -> Unanswerable | None:
    """A scene-level draft whose fact rests on the views, asked of the delivered ones:
    abstains when they leave its margin within the threshold (first appearances in one
    delivered frame) and the frames of its ``evidence`` would decide it."""
    if not draft.fact.views:
        return None  # a 3D fact: the views do not move its margin
    result = task.make(ctx, candidate, np.random.default_rng(seed), LetterBalancer())
    extra = sorted(set(task.evidence(draft)) - set(ctx.views), key=ctx.trajectory.index)
    if not isinstance(result, Undecided) or not extra:
        return None
    return too_close(result, ctx.views, extra, instead=False)


def _reframed(
    task: Task, ctx: Context, draft: Draft, candidate: tuple, seed: int, asked: set[tuple]
) -> tuple[Draft, Unanswerable | None]:
    """The view-grounded ``draft`` asked of a delivered view (seeded pick) that shows the
    same referents (the task would ask it there) but leaves its margin within the
    threshold (occlusion, perspective), or (draft, None) when none does."""
    (frame,) = draft.views
    if candidate.count(frame) != 1:
        return draft, None
    views = list(ctx.views)
    for i in rng_for(seed, "reframed").permutation(len(views)):
        view = views[i]
        moved = tuple(view if part == frame else part for part in candidate)
        if view == frame or moved not in asked:
            continue
        seen = ctx.visible_in([view])
        if any(ref.instance_id not in seen for ref in draft.objects):
            continue  # the names stand for other instances there
        result = task.make(ctx, moved, np.random.default_rng(seed), LetterBalancer())
        if isinstance(result, Undecided):
            why = too_close(result, (view,), (frame,), instead=True)
            return dataclasses.replace(draft, views=(view,), labels=None), why
    return draft, None


def _off_view(ctx: Context, draft: Draft, seed: int) -> tuple[Draft, Unanswerable | None]:
    """The view-grounded ``draft`` asked about a delivered view (seeded pick) that shows no
    instance of one of its referents' categories above tau (else the question, naming the
    category, would be about the instance it shows), or (draft, None) when none does."""
    views = list(ctx.views)
    for i in rng_for(seed, "off view").permutation(len(views)):
        view = views[i]
        seen = ctx.visible_in([view])
        shown = {ctx.scene.object(instance).category for instance in seen}
        if view in draft.views or any(
            ref.instance_id not in seen and ref.category in shown for ref in draft.objects
        ):
            continue
        why = unanswerable(
            ctx.scene,
            draft.objects,
            seen,
            (view,),
            ctx.trajectory,
            ctx.tau_instance,
            ctx.tau_frame,
        )
        if why is not None:
            return dataclasses.replace(draft, views=(view,), labels=None), why
    return draft, None
