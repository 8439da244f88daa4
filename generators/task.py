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

from spatialqa.errors import ConfigError
from spatialqa.generators.choices import LetterBalancer
from spatialqa.generators.sample import ObjectRef, Sample
from spatialqa.oracle import Fact, visible_instances
from spatialqa.scenes import Scene
from spatialqa.seeding import rng_for, stable_seed


@dataclass(frozen=True, eq=False)
class Context:
    """One scene and the views a question may use; shared by every task of a shard."""

    scene: Scene
    views: tuple[str, ...]
    seed: int
    tau_instance: float = 0.05
    tau_frame: float = 0.001

    @cached_property
    def visible(self) -> frozenset[int]:
        """Instances visible above tau in at least one delivered view."""
        seen = visible_instances(self.scene, list(self.views), self.tau_instance, self.tau_frame)
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


@dataclass(frozen=True)
class NoParams:
    """Tasks without parameters."""


class Task(ABC):
    """A registered question type. Subclasses set the class attributes and two methods.

    ``candidates`` lists referent tuples in a deterministic order; ``make`` turns one into a
    Draft or rejects it (returns None) when a filter of GROUND_TRUTH.md says so.
    """

    name: ClassVar[str]
    family: ClassVar[str]
    answer_type: ClassVar[str]
    metric: ClassVar[str]
    unit: ClassVar[str | None] = None
    version: ClassVar[int] = 1
    Params: ClassVar[type] = NoParams

    def __init__(self, **params: Any) -> None:
        names = {f.name for f in dataclasses.fields(self.Params)}
        unknown = sorted(set(params) - names)
        if unknown:
            raise ConfigError(
                f"tasks[{self.name}].params: unknown {unknown} (expected some of {sorted(names)})"
            )
        self.params = self.Params(**params)

    @abstractmethod
    def candidates(self, ctx: Context) -> Sequence[tuple]:
        """Referent tuples in a deterministic order."""

    @abstractmethod
    def make(
        self, ctx: Context, candidate: tuple, rng: np.random.Generator, letters: LetterBalancer
    ) -> Draft | None:
        """A Draft for ``candidate``, or None when a filter rejects it."""

    def generate(self, ctx: Context, limit: int) -> list[Sample]:
        """Up to ``limit`` samples for the scene, candidates visited in a seeded order."""
        scene_id = ctx.scene.scene_id
        candidates = list(self.candidates(ctx))
        order = rng_for(ctx.seed, scene_id, self.name, "order").permutation(len(candidates))
        letters = LetterBalancer()
        samples: list[Sample] = []
        for position in order:
            if len(samples) == limit:
                break
            seed = stable_seed(ctx.seed, scene_id, self.name, len(samples))
            draft = self.make(ctx, candidates[position], np.random.default_rng(seed), letters)
            if draft is None:
                continue
            samples.append(self.finish(ctx, draft, index=len(samples), seed=seed))
        return samples

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
            views=ctx.views,
            program=json.dumps(draft.fact.program, sort_keys=True),
            rationale=draft.rationale,
            margin=draft.margin,
            answerable=True,
            seed=seed,
            labels=None if draft.labels is None else json.dumps(draft.labels, sort_keys=True),
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
