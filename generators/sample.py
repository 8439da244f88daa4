"""A sample: one question with its answer, provenance and the program that re-derives it."""

from __future__ import annotations

from dataclasses import dataclass

ANSWER_TYPES = ("mc", "number", "integer", "yes_no", "box", "point", "map", "abstain")
ABSTAIN_ANSWER = "cannot be determined from the given views"
"""The answer of every abstention item (``answer_type`` "abstain")."""


@dataclass(frozen=True)
class ObjectRef:
    """A referent of a question and the part it plays (``anchor``, ``target``, ...)."""

    instance_id: int
    category: str
    role: str


@dataclass(frozen=True)
class Sample:
    """The generator's half of an output row; pipelines add the id, images and degradation.

    ``value`` is the unrounded truth (None for categorical answers); ``answer`` is what a model
    should say, rounded to the task's precision. ``labels`` is JSON of the 2D labels the answer
    rests on, in pixels of the delivered image (``{"boxes": {"<instance id>": [x1, y1, x2, y2]},
    "points": {"<instance id>": [x, y]}}``), so a degradation that moves pixels can move them.
    ``answerable_views`` names, for an abstention item, frames that would make it answerable.
    A ``map`` answer is compact JSON ``{"category": [[x, y], ...]}``; its convention (frame,
    grid, origin, axes, side) is ``labels["map"]``. ``scaffold`` names what precedes the
    question (``"map"``: the true map of its referents, a task's ``with_map``), else None.
    """

    scene_id: str
    source: str
    task: str
    family: str
    index: int
    question: str
    question_vsi: str | None
    answer_type: str
    answer: str
    choices: tuple[str, ...]
    value: float | None
    unit: str | None
    metric: str
    objects: tuple[ObjectRef, ...]
    views: tuple[str, ...]
    program: str
    rationale: str
    margin: float | None
    answerable: bool
    seed: int
    abstain_reason: str | None = None
    answerable_views: tuple[str, ...] = ()
    labels: str | None = None
    scaffold: str | None = None
