"""The task contract: a name, a family, an answer type, typed params, the referent candidates
of a scene and how one becomes a Draft, every answer from a Fact. The sampler (sampler.py)
turns drafts into balanced samples alike for every task."""

from __future__ import annotations

import dataclasses
import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from types import UnionType
from typing import Any, ClassVar, Union, get_args, get_origin

import numpy as np

from spatialqa.errors import ConfigError, TaskError
from spatialqa.generators.balance import BALANCE_PARAMS, Balance
from spatialqa.generators.choices import (
    LetterBalancer,
    count_distractors,
    numeric_distractors,
    with_options,
)
from spatialqa.generators.sample import ObjectRef, Sample
from spatialqa.oracle import Fact, visible_instances
from spatialqa.oracle.program import PARAMETERS, FrameId
from spatialqa.scenes import Scene

TASK_BASE_VERSION = 1
"""Bumped when the shared machinery of every task (balancing, letters, phrasing, seeds)
changes the samples it makes; it enters the build fingerprint."""
NUMERIC = ("number", "integer")
MOTION_NOTE = (
    "Some objects move between these images: answer for the room as it is in the first image."
)
"""Put before a scene-level question whose images show objects move (``motion_note``)."""


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
class Undecided:
    """What ``Task.make`` returns for a candidate too close to a decision boundary to ask: its
    margin (``what``, in ``unit``; "%" for fractions) is within the task's threshold ``least``.
    GROUND_TRUTH.md: such a question is rejected, or asked only as an abstention item."""

    what: str
    margin: float
    least: float
    unit: str


Rng = np.random.Generator
"""The generator the sampler seeds for each ``make`` call (phrasing, orders, distractors)."""
Made = Draft | Undecided | None
"""What ``Task.make`` returns: a Draft, Undecided (its margin is within the task's threshold)
or None (a filter rejects the candidate)."""


@dataclass(frozen=True)
class NoParams:
    """Tasks without parameters."""


def one_of(task: str, field: str, value: object, allowed: tuple) -> None:
    """Refuse a parameter outside ``allowed``, naming it as a config would."""
    if value not in allowed:
        raise ConfigError(f"tasks[{task}].params.{field}: must be one of {allowed} (got {value!r})")


class Task(ABC):
    """A registered question type. Subclasses set the class attributes and two methods.

    ``candidates`` lists referent tuples in a deterministic order (tasks that share a rule name
    it: ``candidates = staticmethod(unique_pairs)``); ``make`` turns one into a Draft, rejects
    it (returns None) when a filter of GROUND_TRUTH.md says so, or returns ``Undecided`` when
    the answer's margin is within the task's threshold. The sampler (``sampler.draw``) does the
    rest for every task alike: seeded order, the diversity caps of ``Balance`` (every task
    accepts its fields as params), letters balanced, yes/no kept 50/50, referents checked, and
    abstention items when the context asks for them.
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
    map_scaffold: ClassVar[bool] = False
    """True for tasks that take ``with_map`` (GROUND_TRUTH.md: the relative distance, direction
    and route tasks): the question is preceded by the true cognitive map of its referents'
    categories and its convention, as VSI-Bench's map prompting does; the sampler adds it
    (``generators.maps.map_scaffold``). An ``_mc`` variant takes it when its base does."""
    hint: ClassVar[str | None] = None
    """What the task needs of the views to yield at all (a trajectory, a view count), in the
    config's terms: a build or ``plan --exact`` where it yields nothing shows it, and so does
    ``spatialqa tasks``. None for tasks any usual view gives questions."""

    def __init__(self, **params: Any) -> None:
        names = {f.name for f in dataclasses.fields(self.Params)}
        balance = {k: params.pop(k) for k in list(params) if k in BALANCE_PARAMS - names}
        shared = set(BALANCE_PARAMS)
        self.scaffold: str | None = None
        """What the sampler puts before each question: "map" (``with_map``) or None."""
        if self.takes_map():
            shared.add("with_map")
            with_map = params.pop("with_map", False)
            if not isinstance(with_map, bool):
                raise ConfigError(
                    f"tasks[{self.name}].params.with_map: must be true or false (got {with_map!r})"
                )
            self.scaffold = "map" if with_map else None
        unknown = sorted(set(params) - names)
        if unknown:
            raise ConfigError(
                f"tasks[{self.name}].params: unknown {unknown} (expected some of "
                f"{sorted(names | shared)})"
            )
        self.params = self.Params(**params)
        self.balance = Balance(**balance)

    @classmethod
    def takes_map(cls) -> bool:
        """Whether the task takes ``with_map`` (``map_scaffold``, or its base's)."""
        return getattr(cls, "base", cls).map_scaffold

    @abstractmethod
    def candidates(self, ctx: Context) -> Sequence[tuple]:
        """Referent tuples in a deterministic order."""

    @abstractmethod
    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        """A Draft for ``candidate``; None when a filter rejects it; Undecided when its margin
        is within the task's threshold (rejected too, unless it makes an abstention item)."""

    def evidence(self, draft: Draft) -> tuple[str, ...]:
        """The frames a draft's answer rests on (a task may name fewer than its fact's views);
        the abstention search asks for them."""
        return draft.fact.views

    def generate(self, ctx: Context, limit: int) -> list[Sample]:
        """Deprecated (goes in the next release): ``sampler.draw_samples(task, ctx, limit)``."""
        from spatialqa.generators.sampler import draw_samples  # the sampler imports this module

        warnings.warn(
            "Task.generate(ctx, n) moved to spatialqa.generators.draw_samples(task, ctx, n); "
            "the old name goes in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return draw_samples(self, ctx, limit)

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
            "hint": cls.hint,
            "params": {
                **{f.name: f.default for f in dataclasses.fields(cls.Params)},
                **({"with_map": False} if cls.takes_map() else {}),
            },
        }


class MultipleChoice(Task):
    """Mixin of a numeric task's ``<name>_mc`` variant: its answer and three distractors.

    Distractors as GROUND_TRUTH.md defines them: counts (``integer``) are the count plus
    offsets in {-3..3} minus 0, floored at 1; other numbers are drawn in [0.25, 1.75] x truth,
    rounded to the answer's precision, every two options at least 20% of the truth apart
    (dropped after 30 draws).
    """

    base: ClassVar[type[Task]]

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
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


def scene_level(fact: Fact) -> bool:
    """Whether ``fact`` is about the scene as a whole: its program names no one frame (a view,
    or the two of a pair; a list of frames does not count) and it does not order things in
    time (frame "video": each frame is seen at its own time). Such a fact is computed on the
    context's scene as it is, which over a video with motion is its first delivered frame's
    state (``Scene.from_time``), not any one frame's own."""
    if fact.frame == "video":
        return False
    declared = PARAMETERS.get(fact.program.get("op"), {})
    return not any(
        fact.program.get("args", {}).get(name) is not None and _one_frame(parameter.hint)
        for name, parameter in declared.items()
    )


def _one_frame(hint: Any) -> bool:
    """Whether ``hint`` is a FrameId or ``FrameId | None``."""
    arms = get_args(hint) if get_origin(hint) in (Union, UnionType) else (hint,)
    return FrameId in arms


def motion_note(sample: Sample, ctx: Context, fact: Fact) -> Sample:
    """``sample`` saying which state of the room it is asked about, when its images show
    objects move and its fact is ``scene_level`` (GROUND_TRUTH.md: such questions use the state
    at the first delivered frame and say so): ``MOTION_NOTE`` before the question (and its VSI
    form), and a rationale sentence naming the first image's frame and time. Any other sample,
    and every sample of a scene without motion, is returned as it is.

    Raises TaskError when the context's scene is not as it is at the first image (objects
    moved at or before it): build the Context on ``scene.from_time(t of the first view)``.
    """
    scene = ctx.scene
    if not scene.moves or not scene_level(fact):
        return sample
    frames = [scene.frame(view) for view in sample.views]
    if len({scene.state_key(frame.t) for frame in frames}) < 2:
        return sample  # the images show one state: nothing moves in what the question shows
    first = frames[0]
    if any(index >= 0 for index in scene.state_key(first.t)):
        raise TaskError(
            f"task {sample.task}: scene {scene.scene_id} has objects moved at or before the "
            f"first image ({first.id}, t = {first.t:g} s); scene-level questions are asked of "
            "the scene as it is at that frame: Context(scene.from_time(t), ...)"
        )
    return dataclasses.replace(
        sample,
        question=f"{MOTION_NOTE}\n{sample.question}",
        question_vsi=None
        if sample.question_vsi is None
        else f"{MOTION_NOTE}\n{sample.question_vsi}",
        rationale=f"{sample.rationale} The room is taken as it is at the first image "
        f"({first.id}, t = {first.t:.2f} s); objects move after it.",
    )
