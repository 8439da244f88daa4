"""The Task base: referent candidates in, balanced samples out, every answer from a Fact."""

from __future__ import annotations

import dataclasses
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from spatialqa.errors import ConfigError, TaskError
from spatialqa.generators.abstention import (
    ABSTAIN_ANSWER,
    Unanswerable,
    Undecided,
    too_close,
    unanswerable,
)
from spatialqa.generators.balance import BALANCE_PARAMS, Balance, Quota
from spatialqa.generators.choices import (
    LetterBalancer,
    count_distractors,
    numeric_distractors,
    with_options,
)
from spatialqa.generators.sample import ObjectRef, Sample
from spatialqa.oracle import Fact, visible_instances
from spatialqa.scenes import Scene
from spatialqa.seeding import rng_for, stable_seed

TASK_BASE_VERSION = 1
"""Bumped when the shared machinery of every task (balancing, letters, phrasing, seeds)
changes the samples it makes; it enters the build fingerprint."""
NUMERIC = ("number", "integer")


@dataclass(frozen=True, eq=False)
class Context:
    """One scene and the views a question may use; shared by every task of a shard.

    ``trajectory`` holds every frame the views were picked from; with ``abstention`` (the share
    of each task's samples) above 0, questions that need a frame outside the views are emitted
    as abstention items.
    """

    scene: Scene
    views: tuple[str, ...]
    seed: int
    tau_instance: float = 0.05
    tau_frame: float = 0.001
    trajectory: tuple[str, ...] = ()
    abstention: float = 0.0

    @cached_property
    def visible(self) -> frozenset[int]:
        """Instances visible above tau in at least one delivered view."""
        return self.visible_in(self.views)

    def visible_in(self, views: Sequence[str]) -> frozenset[int]:
        """Instances visible above tau in at least one of ``views``."""
        seen = visible_instances(self.scene, list(views), self.tau_instance, self.tau_frame)
        return frozenset(instance for instance, visible in seen.items() if visible)

    @cached_property
    def unique(self) -> dict[str, int]:
        """Category -> instance id, for categories with exactly one instance that is visible.

        The VSI rule: a category names an object only when it has one instance in the scene.
        """
        return {
            category: ids[0]
            for category, ids in sorted(self.scene.categories.items())
            if len(ids) == 1 and ids[0] in self.visible
        }

    @cached_property
    def everything(self) -> Context | None:
        """The same scene seen through every trajectory frame; None when that adds none."""
        if not set(self.trajectory) - set(self.views):
            return None
        return dataclasses.replace(self, views=self.trajectory, abstention=0.0)


@dataclass(frozen=True)
class Draft:
    """What a task decides about one candidate; ``generate`` adds the shared fields."""

    fact: Fact
    question: str
    answer: str
    rationale: str
    objects: tuple[ObjectRef, ...]
    question_vsi: str | None = None
    choices: tuple[str, ...] = ()
    value: float | None = None
    margin: float | None = None
    labels: dict | None = None
    views: tuple[str, ...] | None = None  # the frames shown, when not all of ctx.views


@dataclass(frozen=True)
class NoParams:
    """Tasks without parameters."""


def one_of(task: str, field: str, value: object, allowed: tuple) -> None:
    """Refuse a parameter outside ``allowed``, naming it as a config would."""
    if value not in allowed:
        raise ConfigError(f"tasks[{task}].params.{field}: must be one of {allowed} (got {value!r})")


@dataclass(frozen=True)
class _Kept:
    draft: Draft
    seed: int
    hidden: Unanswerable | None = None


class Task(ABC):
    """A registered question type. Subclasses set the class attributes and two methods.

    ``candidates`` lists referent tuples in a deterministic order; ``make`` turns one into a
    Draft, rejects it (returns None) when a filter of GROUND_TRUTH.md says so, or returns
    ``Undecided`` when the answer's margin is within the task's threshold. ``generate``
    does the rest for every task alike: seeded order, the diversity caps of ``Balance`` (every
    task accepts its fields as params), letters balanced, yes/no kept 50/50, referents checked,
    and abstention items when the context asks for them.
    """

    name: ClassVar[str]
    family: ClassVar[str]
    answer_type: ClassVar[str]
    metric: ClassVar[str]
    unit: ClassVar[str | None] = None
    version: ClassVar[int] = 1
    Params: ClassVar[type] = NoParams
    shared_categories: ClassVar[bool] = False
    """True when referents in different roles may share a category (else that is a bug)."""
    mc_variant: ClassVar[bool] = True
    """Numeric tasks: also register ``<name>_mc``, the same question as multiple choice."""
    unseen_is_an_answer: ClassVar[bool] = False
    """View-grounded tasks whose answer a view that misses a referent still gives (a count of
    0, "less visible"): they make no abstention items from such views."""

    def __init__(self, **params: Any) -> None:
        names = {f.name for f in dataclasses.fields(self.Params)}
        balance = {k: params.pop(k) for k in list(params) if k in BALANCE_PARAMS - names}
        unknown = sorted(set(params) - names)
        if unknown:
            raise ConfigError(
                f"tasks[{self.name}].params: unknown {unknown} (expected some of "
                f"{sorted(names | BALANCE_PARAMS)})"
            )
        self.params = self.Params(**params)
        self.balance = Balance(**balance)

    @abstractmethod
    def candidates(self, ctx: Context) -> Sequence[tuple]:
        """Referent tuples in a deterministic order."""

    @abstractmethod
    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | Undecided | None:
        """A Draft for ``candidate``; None when a filter rejects it; Undecided when its margin
        is within the task's threshold (rejected too, unless it makes an abstention item)."""

    def generate(self, ctx: Context, limit: int) -> list[Sample]:
        """Up to ``limit`` samples for the scene, candidates visited in a seeded order.

        With ``ctx.abstention`` > 0, that share of them (drawn per scene, so the expected
        share is exact) are abstention items when the scene has such questions.
        """
        hidden = self._abstentions(ctx, self._abstention_target(ctx, limit))
        kept = self._answerable(ctx, limit - len(hidden)) + hidden
        return [
            self.finish(ctx, item.draft, index=index, seed=item.seed)
            if item.hidden is None
            else self.finish_abstention(ctx, item.draft, item.hidden, index=index, seed=item.seed)
            for index, item in enumerate(kept)
        ]

    def _answerable(self, ctx: Context, limit: int) -> list[_Kept]:
        scene_id = ctx.scene.scene_id
        candidates = list(self.candidates(ctx)) if limit > 0 else []
        order = rng_for(ctx.seed, scene_id, self.name, "order").permutation(len(candidates))
        quota = Quota(self.balance, limit)
        polarity = _Polarity(limit, rng_for(ctx.seed, scene_id, self.name, "polarity"))
        letters = LetterBalancer()
        kept: list[_Kept] = []
        refusals = 0
        entropy: np.random.SeedSequence | None = None
        for position in order:
            if len(kept) == limit or refusals == 50 * limit:
                break  # the caps leave nothing more worth the search
            seed = stable_seed(ctx.seed, scene_id, self.name, len(kept))
            if entropy is None or entropy.entropy != seed:
                entropy = np.random.SeedSequence(seed)  # the slow half of default_rng(seed)
            # A fresh generator per try: the one np.random.default_rng(seed) makes.
            rng = np.random.Generator(np.random.PCG64(entropy))
            trial = letters.copy()  # only kept drafts count towards letter balance
            draft = self.make(ctx, candidates[position], rng, trial)
            if not isinstance(draft, Draft):
                continue
            self.check(draft)
            if self.answer_type == "yes_no" and not polarity.room(draft.answer):
                refusals += 1
                continue
            if not quota.admit([ref.category for ref in draft.objects], draft.value):
                refusals += 1
                continue
            polarity.add(draft.answer)
            letters = trial
            kept.append(_Kept(draft, seed))
        return polarity.even(kept) if self.answer_type == "yes_no" else kept

    def _abstention_target(self, ctx: Context, limit: int) -> int:
        if ctx.abstention <= 0 or ctx.everything is None:
            return 0
        expected = ctx.abstention * limit
        coin = rng_for(ctx.seed, ctx.scene.scene_id, self.name, "abstain").random()
        return min(limit, int(expected) + int(coin < expected - int(expected)))

    def _abstentions(self, ctx: Context, target: int) -> list[_Kept]:
        """Up to ``target`` questions over the whole trajectory that the views cannot answer.

        A scene-level draft abstains when the views miss a referent or leave its margin within
        the threshold. A view-grounded draft (about one frame of the trajectory) is asked of a
        delivered view instead: one that shows its referents but leaves the margin within the
        threshold, or else one that misses a referent.
        """
        full = ctx.everything
        if target == 0 or full is None:
            return []
        scene_id = ctx.scene.scene_id
        candidates = list(self.candidates(full))
        shuffled = rng_for(ctx.seed, scene_id, self.name, "abstain order").permutation(
            len(candidates)
        )
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
        found: list[_Kept] = []
        for tries, position in enumerate(order):
            if len(found) == target or tries == 4 * target + 16:
                break
            seed = stable_seed(ctx.seed, scene_id, self.name, "abstain", len(found))
            candidate = candidates[position]
            draft = self.make(full, candidate, np.random.default_rng(seed), letters)
            if not isinstance(draft, Draft):
                continue
            self.check(draft)
            if draft.views is None:
                why = unanswerable(
                    ctx.scene,
                    draft.objects,
                    ctx.visible,
                    ctx.views,
                    ctx.trajectory,
                    ctx.tau_instance,
                    ctx.tau_frame,
                ) or self._undecided(ctx, draft, candidate, seed)
            elif len(draft.views) == 1 and draft.objects:
                asked = set(self.candidates(ctx)) if asked is None else asked
                draft, why = self._reframed(ctx, draft, candidate, seed, asked)
                if why is None and not self.unseen_is_an_answer:
                    draft, why = self._off_view(ctx, draft, seed)
            else:
                break  # questions about frame pairs: what they ask is seen in both frames
            if why is not None:
                found.append(_Kept(draft, seed, why))
        return found

    def _undecided(
        self, ctx: Context, draft: Draft, candidate: tuple, seed: int
    ) -> Unanswerable | None:
        """A scene-level draft whose fact rests on the views, asked of the delivered ones:
        abstains when they leave its margin within the threshold (first appearances in one
        delivered frame) and the frames of its ``evidence`` would decide it."""
        if not draft.fact.views:
            return None  # a 3D fact: the views do not move its margin
        result = self.make(ctx, candidate, np.random.default_rng(seed), LetterBalancer())
        extra = sorted(set(self.evidence(draft)) - set(ctx.views), key=ctx.trajectory.index)
        if not isinstance(result, Undecided) or not extra:
            return None
        return too_close(result, ctx.views, extra, instead=False)

    def evidence(self, draft: Draft) -> tuple[str, ...]:
        """The frames a draft's answer rests on (a task may name fewer than its fact's views)."""
        return draft.fact.views

    def _reframed(
        self, ctx: Context, draft: Draft, candidate: tuple, seed: int, asked: set[tuple]
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
            result = self.make(ctx, moved, np.random.default_rng(seed), LetterBalancer())
            if isinstance(result, Undecided):
                why = too_close(result, (view,), (frame,), instead=True)
                return dataclasses.replace(draft, views=(view,), labels=None), why
        return draft, None

    def _off_view(self, ctx: Context, draft: Draft, seed: int) -> tuple[Draft, Unanswerable | None]:
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

    def check(self, draft: Draft) -> None:
        """Refuse a draft whose referents in different roles share a category: the question
        could not say which is which (a task bug, never silently dropped)."""
        if self.shared_categories:
            return
        roles: dict[str, set[str]] = {}
        for ref in draft.objects:
            roles.setdefault(ref.category, set()).add(ref.role)
        for category, named in sorted(roles.items()):
            if len(named) > 1:
                raise TaskError(
                    f"task {self.name}: referents {sorted(named)} share the category "
                    f"{category!r} in {draft.question!r}"
                )

    def finish(self, ctx: Context, draft: Draft, *, index: int, seed: int) -> Sample:
        return Sample(
            scene_id=ctx.scene.scene_id,
            source=ctx.scene.source.kind,
            task=self.name,
            family=self.family,
            index=index,
            question=draft.question,
            question_vsi=draft.question_vsi,
            answer_type=self.answer_type,
            answer=draft.answer,
            choices=draft.choices,
            value=draft.value,
            unit=self.unit,
            metric=self.metric,
            objects=draft.objects,
            views=ctx.views if draft.views is None else tuple(draft.views),
            program=json.dumps(draft.fact.program, sort_keys=True),
            rationale=draft.rationale,
            margin=draft.margin,
            answerable=True,
            seed=seed,
            labels=None if draft.labels is None else json.dumps(draft.labels, sort_keys=True),
        )

    def finish_abstention(
        self, ctx: Context, draft: Draft, why: Unanswerable, *, index: int, seed: int
    ) -> Sample:
        """The draft as an abstention item: same question and program, no answer to give."""
        sample = self.finish(ctx, draft, index=index, seed=seed)
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
            labels=None,
        )

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """The registry row: what ``spatialqa tasks`` prints."""
        return {
            "name": cls.name,
            "family": cls.family,
            "answer_type": cls.answer_type,
            "metric": cls.metric,
            "unit": cls.unit,
            "version": cls.version,
            "params": {f.name: f.default for f in dataclasses.fields(cls.Params)},
        }


class _Polarity:
    """Yes/no quotas: half each; an odd limit's extra answer goes to a seeded coin's side."""

    def __init__(self, limit: int, rng: np.random.Generator) -> None:
        self.extra = "yes" if rng.random() < 0.5 else "no"
        self.quota = {
            answer: limit // 2 + (limit % 2 if answer == self.extra else 0)
            for answer in ("yes", "no")
        }
        self.count = {"yes": 0, "no": 0}

    def room(self, answer: str) -> bool:
        return self.count.get(answer, 0) < self.quota.get(answer, 0)

    def add(self, answer: str) -> None:
        if answer in self.count:
            self.count[answer] += 1

    def even(self, kept: list[_Kept]) -> list[_Kept]:
        """Drop the last-kept answers of the commoner side until the counts are equal (one
        more on the coin's side for an odd limit)."""
        fewest = min(self.count.values())
        allowed = {
            a: fewest + (1 if a == self.extra and self.quota[a] > self.quota[other] else 0)
            for a, other in (("yes", "no"), ("no", "yes"))
        }
        taken = {"yes": 0, "no": 0}
        result = []
        for item in kept:
            answer = item.draft.answer
            if answer in taken and taken[answer] >= allowed[answer]:
                continue
            taken[answer] = taken.get(answer, 0) + 1
            result.append(item)
        return result


class MultipleChoice(Task):
    """Mixin of a numeric task's ``<name>_mc`` variant: its answer and three distractors.

    Distractors as GROUND_TRUTH.md defines them: counts (``integer``) are the count plus
    offsets in {-3..3} minus 0, floored at 1; other numbers are drawn in [0.25, 1.75] x truth,
    rounded to the answer's precision, every two options at least 20% of the truth apart
    (dropped after 30 draws).
    """

    base: ClassVar[type[Task]]

    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | Undecided | None:
        draft = super().make(ctx, candidate, rng, letters)
        if not isinstance(draft, Draft) or draft.value is None:
            return draft if isinstance(draft, Undecided) else None
        if self.base.answer_type == "integer":
            wrong = count_distractors(int(draft.answer), rng=rng)
        else:
            wrong = numeric_distractors(draft.answer, draft.value, rng=rng)
            if wrong is None:
                return None
        options, letter = letters.arrange(draft.answer, wrong, rng=rng)
        vsi = draft.question_vsi
        return dataclasses.replace(
            draft,
            question=with_options(draft.question, options),
            question_vsi=None if vsi is None else with_options(vsi, options),
            answer=letter,
            choices=options,
            rationale=f"{draft.rationale} Among the options that is {letter}. {draft.answer}.",
        )


def multiple_choice_variant(cls: type[Task]) -> type[Task]:
    """The ``<name>_mc`` task of a numeric task: same question, asked with four options."""
    if cls.answer_type not in NUMERIC:
        raise TaskError(f"task {cls.name}: only numeric tasks have a multiple-choice variant")
    return type(
        f"{cls.__name__}MultipleChoice",
        (MultipleChoice, cls),
        {
            "__module__": cls.__module__,
            "__doc__": f"{cls.name} asked as multiple choice (distractors of GROUND_TRUTH.md).",
            "base": cls,
            "name": f"{cls.name}_mc",
            "answer_type": "mc",
            "metric": "accuracy",
            "mc_variant": False,
        },
    )


def phrase(rng: np.random.Generator, templates: Sequence[str], **fields: Any) -> str:
    """One of ``templates``, chosen by the sample's rng, filled with ``fields``."""
    return templates[int(rng.integers(len(templates)))].format(**fields)


def refs(scene: Scene, **roles: int) -> tuple[ObjectRef, ...]:
    """Referents by role: ``refs(scene, anchor=3, target=5)``."""
    return tuple(ObjectRef(i, scene.object(i).category, role) for role, i in roles.items())


def fmt(value: float, digits: int) -> str:
    """A number rounded half away from zero, as people round (``round`` rounds half to even)."""
    scaled = np.floor(abs(value) * 10**digits + 0.5) / 10**digits
    return f"{np.copysign(scaled, value):.{digits}f}"


def derivation(*steps: str) -> str:
    """A rationale as numbered steps: the objects found, the quantities measured (with units),
    the comparison that gives the answer. ``derivation("Found ...", "Measured ...")``."""
    return " ".join(f"{number}. {step.strip()}" for number, step in enumerate(steps, 1) if step)
