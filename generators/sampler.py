"""The sampler every task shares: candidates visited in a seeded order, drafts kept under the
diversity caps, letters balanced, yes/no kept 50/50, referents checked, abstention items mixed
in when the context asks for them, and each kept draft assembled into a Sample.

A task only says what its candidates are and how one becomes a Draft (``Task.make``); how many
are asked, in which order and with which seeds is decided here, alike for every task.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import numpy as np

from spatialqa.generators.abstention import Unanswerable, abstention_target, abstentions
from spatialqa.generators.balance import Quota, YesNoQuota
from spatialqa.generators.choices import LetterBalancer
from spatialqa.generators.maps import map_scaffold
from spatialqa.generators.referents import check_roles
from spatialqa.generators.sample import ABSTAIN_ANSWER, Sample
from spatialqa.generators.task import Context, Draft, Task, motion_note
from spatialqa.oracle import Fact
from spatialqa.seeding import rng_for, stable_seed


@dataclass(frozen=True)
class Drawn:
    """A sample and the Fact its draft came from (what a check compares the sample with)."""

    sample: Sample
    fact: Fact


@dataclass(frozen=True)
class _Kept:
    draft: Draft
    seed: int
    hidden: Unanswerable | None = None


def draw(task: Task, ctx: Context, limit: int) -> list[Drawn]:
    """Up to ``limit`` samples of ``task`` for the scene, each with its Fact.

    With ``ctx.abstention`` > 0, that share of them (drawn per scene, so the expected share is
    exact) are abstention items when the scene has such questions.
    """
    hidden = [
        _Kept(draft, seed, why)
        for draft, seed, why in abstentions(task, ctx, abstention_target(task, ctx, limit))
    ]
    kept = _answerable(task, ctx, limit - len(hidden)) + hidden
    return [
        Drawn(_assemble(task, ctx, item, index), item.draft.fact) for index, item in enumerate(kept)
    ]


def draw_samples(task: Task, ctx: Context, limit: int) -> list[Sample]:
    """Up to ``limit`` samples of ``task`` for the scene (``draw`` without the facts)."""
    return [drawn.sample for drawn in draw(task, ctx, limit)]


def _answerable(task: Task, ctx: Context, limit: int) -> list[_Kept]:
    scene_id = ctx.scene.scene_id
    candidates = list(task.candidates(ctx)) if limit > 0 else []
    order = rng_for(ctx.seed, scene_id, task.name, "order").permutation(len(candidates))
    quota = Quota(task.balance, limit)
    polarity = YesNoQuota(limit, rng_for(ctx.seed, scene_id, task.name, "polarity"))
    letters = LetterBalancer()
    kept: list[_Kept] = []
    refusals = 0
    entropy: np.random.SeedSequence | None = None
    for position in order:
        if len(kept) == limit or refusals == 50 * limit:
            break  # the caps leave nothing more worth the search
        seed = stable_seed(ctx.seed, scene_id, task.name, len(kept))
        if entropy is None or entropy.entropy != seed:
            entropy = np.random.SeedSequence(seed)  # the slow half of default_rng(seed)
        # A fresh generator per try: the one np.random.default_rng(seed) makes.
        rng = np.random.Generator(np.random.PCG64(entropy))
        trial = letters.copy()  # only kept drafts count towards letter balance
        draft = task.make(ctx, candidates[position], rng, trial)
        if not isinstance(draft, Draft):
            continue
        check_roles(task, draft)
        if task.answer_type == "yes_no" and not polarity.room(draft.answer):
            refusals += 1
            continue
        if not quota.admit([ref.category for ref in draft.objects], draft.value):
            refusals += 1
            continue
        polarity.add(draft.answer)
        letters = trial
        kept.append(_Kept(draft, seed))
    if task.answer_type != "yes_no":
        return kept
    return [kept[i] for i in polarity.even([item.draft.answer for item in kept])]


def _assemble(task: Task, ctx: Context, item: _Kept, index: int) -> Sample:
    """The Sample of a kept draft; an abstention item keeps the question and program but has
    no answer to give. A task's scaffold (``with_map``) goes before the question, and before
    both, on a scene-level question whose images show objects move, which state it asks about
    (``motion_note``)."""
    sample = _sample(task, ctx, item, index)
    if task.scaffold == "map":
        sample = map_scaffold(sample, ctx)
    return motion_note(sample, ctx, item.draft.fact)


def _sample(task: Task, ctx: Context, item: _Kept, index: int) -> Sample:
    draft = item.draft
    sample = Sample(
        scene_id=ctx.scene.scene_id,
        source=ctx.scene.source.kind,
        task=task.name,
        family=task.family,
        index=index,
        question=draft.question,
        question_vsi=draft.question_vsi,
        answer_type=task.answer_type,
        answer=draft.answer,
        choices=draft.choices,
        value=draft.value,
        unit=task.unit,
        metric=task.metric,
        objects=draft.objects,
        views=ctx.views if draft.views is None else tuple(draft.views),
        program=json.dumps(draft.fact.program, sort_keys=True),
        rationale=draft.rationale,
        margin=draft.margin,
        answerable=True,
        seed=item.seed,
        labels=None if draft.labels is None else json.dumps(draft.labels, sort_keys=True),
    )
    why = item.hidden
    if why is None:
        return sample
    return dataclasses.replace(
        sample,
        answer_type="abstain",
        answer=ABSTAIN_ANSWER,
        value=None,
        metric="accuracy",
        rationale=why.rationale,
        margin=None,
        answerable=False,
        abstain_reason=why.reason,
        answerable_views=why.answerable_views,
        labels=None if why.labels is None else json.dumps(why.labels, sort_keys=True),
    )
