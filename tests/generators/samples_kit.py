"""A task's samples drawn on a context and read back: the option chosen, the categories named,
the programs re-executed."""

from __future__ import annotations

import json

from spatialqa.generators import Context, Sample, draw_samples, get_task
from spatialqa.oracle import execute
from spatialqa.scenes import Scene


def generate(name: str, ctx: Context, limit: int = 100, **params) -> list[Sample]:
    return draw_samples(get_task(name)(**params), ctx, limit=limit)


def chosen(sample: Sample) -> str:
    """The text of the option the answer letter names."""
    return next(c[3:] for c in sample.choices if c.startswith(sample.answer + "."))


def named(sample: Sample) -> tuple[str, ...]:
    """The categories the sample names, in role order."""
    return tuple(ref.category for ref in sample.objects)


def by_categories(samples: list[Sample]) -> dict[tuple[str, ...], Sample]:
    return {named(s): s for s in samples}


def check_programs(samples, scene: Scene) -> None:
    for sample in samples:
        fact = execute(json.loads(sample.program), scene)
        if sample.answer_type == "mc":
            assert f"{sample.answer}. {fact.value}" in sample.choices
        else:
            assert sample.value == fact.value
