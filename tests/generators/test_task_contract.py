"""The contract every registered task keeps, on procedural rooms; a new task joins by registering.

Each task is run on three rooms seen through 8 of 12 walkthrough frames; with abstention on, on
one seen through 2 frames and on one through 4 of 16 (that one gives margin items too); and on
the "lookat" trajectory (its camera height varies), plus, for a task those give nothing, the
first room seen through 24 frames (a tour, else a walkthrough) on which it gives something.
Every answer is type-checked against the task, every program re-executed to the same value,
every rationale must name the answer, and a second run must give the same samples.
Multiple-choice letters are checked over 400 items.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator

import numpy as np
import pytest
import rooms_kit

from spatialqa.generators import Context, Sample, all_tasks, draw, get_task
from spatialqa.generators.sample import ABSTAIN_ANSWER
from spatialqa.oracle import Fact, execute

TASKS = [task.name for task in all_tasks()]
PER_SCENE = 12
CONTEXTS = (
    {"seed": 0, "index": 0, "views": 8},
    {"seed": 0, "index": 1, "views": 8},
    {"seed": 0, "index": 2, "views": 8},
    {"seed": 0, "index": 1, "views": 2, "abstention": 0.5},
    {"seed": 0, "index": 2, "views": 4, "frames": 16, "abstention": 0.5},  # margins abstain too
    {"seed": 0, "index": 0, "views": 6, "trajectory": "lookat"},  # the camera height varies
)
RARE = tuple(
    {"seed": 0, "index": index, "views": 24, "frames": 24, "trajectory": trajectory}
    for trajectory in ("tour", "walkthrough")
    for index in range(8)
) + tuple(
    {"seed": 0, "index": index, "views": 8, "trajectory": "moved", "abstention": 0.5}
    for index in range(8)
)
"""For tasks the rooms above give nothing (four first appearances 1 s apart need many frames,
and a tour that brings furniture into view piece by piece): the first of these on which the
task yields joins them, chosen by that property rather than by what one room's cameras happen
to show; a task that yields on none of them fails. Tasks about objects that move yield only
on the "moved" trajectory (the last eight, with abstention items)."""
_runs: dict[tuple, list[tuple[Sample, Fact]]] = {}


def generate(name: str, ctx: Context) -> list[tuple[Sample, Fact]]:
    """The task's samples on ``ctx``, each with the Fact its draft came from."""
    return [(drawn.sample, drawn.fact) for drawn in draw(get_task(name)(), ctx, PER_SCENE)]


def contexts(name: str) -> tuple[dict, ...]:
    """CONTEXTS, or, if the task gives nothing there, CONTEXTS and the first RARE spec on
    which it gives something (none if none does)."""
    if any(True for _ in runs(name, CONTEXTS)):
        return CONTEXTS
    rare = next((spec for spec in RARE if any(True for _ in runs(name, (spec,)))), None)
    return CONTEXTS if rare is None else (*CONTEXTS, rare)


def runs(name: str, specs=None) -> Iterator[tuple[Context, Sample, Fact]]:
    """The task's samples on ``specs``; by default on :func:`contexts`."""
    if specs is None:
        specs = contexts(name)
    for spec in specs:
        key = (name, *sorted(spec.items()))
        ctx = rooms_kit.context(**spec)
        if key not in _runs:
            _runs[key] = generate(name, ctx)
        for sample, fact in _runs[key]:
            yield ctx, sample, fact


def same(a, b) -> bool:
    if isinstance(a, (int, float, np.integer, np.floating)) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, (list, tuple, np.ndarray)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def shown_answer(sample: Sample) -> str:
    """What the rationale must name: the chosen option's text, or the answer itself."""
    if sample.answer_type == "mc":
        return next(c[3:] for c in sample.choices if c.startswith(f"{sample.answer}. "))
    return sample.answer


def numbers(text: str, count: int) -> list[float]:
    values = json.loads(text)
    assert isinstance(values, list) and len(values) == count, text
    assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in values), text
    return values


def check_answer(sample: Sample, ctx: Context) -> None:
    kind, answer = sample.answer_type, sample.answer
    if kind == "mc":
        letters = [choice[0] for choice in sample.choices]
        assert len(letters) >= 2 and "".join(letters) == "ABCDEFGH"[: len(letters)]
        assert all(choice[1:3] == ". " for choice in sample.choices), sample.choices
        assert answer in letters
        assert sample.question.endswith("\n" + "\n".join(sample.choices))
    elif kind == "number":
        assert math.isfinite(float(answer)) and sample.value is not None
    elif kind == "integer":
        assert re.fullmatch(r"-?\d+", answer), answer
    elif kind == "yes_no":
        assert answer in ("yes", "no")
    elif kind == "box":
        x1, y1, x2, y2 = numbers(answer, 4)
        assert x1 <= x2 and y1 <= y2
    elif kind == "point":
        numbers(answer, 2)
    elif kind == "map":  # {"category": [[x, y], ...]}: cells sorted, inside the grid
        cells, grid = json.loads(answer), json.loads(sample.labels)["map"]["grid"]
        assert cells and all(v == sorted(v) and v for v in cells.values()), answer
        assert all(0 <= c < grid for v in cells.values() for cell in v for c in cell), answer
    elif kind == "abstain":
        assert answer == ABSTAIN_ANSWER and not sample.answerable and sample.abstain_reason
        extra = set(sample.answerable_views)
        assert extra and not extra & set(sample.views) and extra <= set(ctx.trajectory)
        missing = {ref.instance_id for ref in sample.objects} - ctx.visible_in(sample.views)
        if sample.abstain_reason.startswith("margin within the threshold"):
            assert not missing  # the views show every referent, yet leave it too close to call
            check_margin_item(sample, ctx)
        elif sample.abstain_reason.startswith("point not seen in the second view"):
            check_unseen_point_item(sample, ctx)  # its referent may well be in view
        else:
            assert missing and missing <= ctx.visible_in(sample.answerable_views)
    else:
        pytest.fail(f"unknown answer type {kind!r}")


def swapped(program, frame: str, view: str):
    """``program`` with every argument naming ``frame`` naming ``view`` instead."""
    if isinstance(program, dict):
        return {key: swapped(value, frame, view) for key, value in program.items()}
    if isinstance(program, list):
        return [swapped(value, frame, view) for value in program]
    return view if program == frame else program


def check_margin_item(sample: Sample, ctx: Context) -> None:
    """A view-grounded margin item, checked through the oracle rather than the task: its program
    (the question asked of the answerable frame) decides it there, and run on the asked view
    instead gives the margin the reason quotes, within the threshold."""
    found = re.search(r" is (-?[\d.]+) ?(%?)[^,]*, at most ([\d.]+) ?%?", sample.abstain_reason)
    margin, least = float(found[1]), float(found[3])
    scale = 100.0 if found[2] else 1.0
    program = json.loads(sample.program)
    if len(sample.views) != 1 or sample.views[0] in json.dumps(program):
        return  # scene-level (the program runs over all views): re-made by the contract above
    (view,), (frame,) = sample.views, sample.answerable_views
    assert execute(program, ctx.scene).margin * scale >= least
    asked = execute(swapped(program, frame, view), ctx.scene).margin * scale
    printed = 0.051 if found[2] else 0.0051  # half the last printed digit
    assert asked == pytest.approx(margin, abs=printed) and asked <= least + 1e-9


def check_unseen_point_item(sample: Sample, ctx: Context) -> None:
    """A frame-pair item about a point marked on its first view, checked through the oracle:
    its program re-runs to "not answerable", the point itself (point_correspondence of the
    same pixel) is not seen in the second view, and is seen from each answerable view put in
    its place; the labels keep the marked point (the question points at it)."""
    program = json.loads(sample.program)
    args = program["args"]
    first, second = sample.views
    assert (args["view_a"], args["view_b"]) == (first, second)
    assert not execute(program, ctx.scene).answerable
    pixel = {key: args[key] for key in ("view_a", "view_b", "x", "y")}
    point = {"op": "point_correspondence", "args": pixel}
    assert not execute(point, ctx.scene).answerable
    for frame in sample.answerable_views:
        assert execute(swapped(point, second, frame), ctx.scene).answerable, frame
    assert sample.labels, "the item keeps the labels of the point its question marks"
    labels = json.loads(sample.labels)
    marked = labels["marks"][first] if "marks" in labels else [labels["view_points"]["query"]]
    assert marked[0]["xy"] == [args["x"], args["y"]]


@pytest.mark.parametrize("name", TASKS)
def test_answers_have_the_task_type_and_programs_re_execute(name):
    task = get_task(name)
    checked = 0
    for ctx, sample, fact in runs(name):
        checked += 1
        assert (sample.task, sample.family, sample.unit) == (task.name, task.family, task.unit)
        if sample.answerable:
            assert (sample.answer_type, sample.metric) == (task.answer_type, task.metric)
        check_answer(sample, ctx)
        assert sample.views and set(sample.views) <= set(ctx.views)
        for ref in sample.objects:
            assert ctx.scene.object(ref.instance_id).category == ref.category
        assert sample.rationale.strip()
        assert shown_answer(sample).lower() in sample.rationale.lower(), sample.rationale
        again = execute(json.loads(sample.program), ctx.scene)
        assert same(again.value, fact.value), (sample.program, again.value, fact.value)
        if not sample.answerable:
            continue
        if sample.value is not None and isinstance(fact.value, (int, float, np.number)):
            assert same(sample.value, fact.value)
        if sample.answer_type == "mc" and isinstance(fact.value, str):
            assert shown_answer(sample) == fact.value
        if sample.answer_type == "yes_no" and isinstance(fact.value, (bool, np.bool_)):
            assert sample.answer == ("yes" if fact.value else "no")
    assert checked, f"{name} asked nothing on its procedural rooms: its contract is unchecked"


@pytest.mark.parametrize("name", [n for n in TASKS if get_task(n).family == "correspondence"])
def test_correspondence_tasks_abstain(name):
    # Questions about two frames make abstention items only through their reframe_pair: the
    # rooms with abstention on give some (a point no delivered second view sees).
    items = [sample for _, sample, _ in runs(name) if not sample.answerable]
    assert any(s.abstain_reason.startswith("point not seen in the second view") for s in items)


@pytest.mark.parametrize("name", TASKS)
def test_same_seed_same_samples(name):
    first = [sample for _, sample, _ in runs(name)]
    again = [s for spec in contexts(name) for s, _ in generate(name, rooms_kit.context(**spec))]
    assert first == again


@pytest.mark.parametrize("name", [n for n in TASKS if get_task(n).answer_type == "yes_no"])
def test_yes_and_no_are_equally_common(name):
    answers = Counter(s.answer for _, s, _ in runs(name) if s.answerable)
    assert abs(answers["yes"] - answers["no"]) <= len(CONTEXTS), answers


def test_no_letter_above_35_percent_over_400_items():
    """Four-option items: no letter above 35% per task with 400 of them, else pooled over the
    tasks (rooms are added until 400 are). Items with k options: at most 1/k + 10%."""
    mc = [name for name in TASKS if get_task(name).answer_type == "mc"]
    letters: dict[tuple[str, int], Counter] = {}

    def count(specs):
        for name in mc:
            for _, sample, _ in runs(name, specs):
                if sample.answerable:
                    key = (name, len(sample.choices))
                    letters.setdefault(key, Counter())[sample.answer] += 1

    def four_options() -> int:
        return sum(sum(c.values()) for (_, k), c in letters.items() if k == 4)

    count(CONTEXTS)
    index = 3
    while four_options() < 400 and index < 40:
        count([{"seed": 1, "index": index, "views": 8}])
        index += 1
    assert four_options() >= 400, f"only {four_options()} four-option items"
    pooled: dict[int, Counter] = {}
    for (name, k), counts in letters.items():
        if sum(counts.values()) >= 400:
            assert max(counts.values()) <= (1 / k + 0.1) * sum(counts.values()), (name, counts)
        else:
            pooled.setdefault(k, Counter()).update(counts)
    for k, counts in pooled.items():
        assert max(counts.values()) <= (1 / k + 0.1) * sum(counts.values()), (k, counts)
