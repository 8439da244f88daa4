"""Cognitive maps: ``cognitive_map`` asks for the grid map of 3-8 named categories, and the
``with_map`` scaffold puts the true map of a question's referents before it (VSI-Bench's map
prompting: relative distance 46% -> 66% with the true map).

Every map sample records its convention in ``labels["map"]`` (frame, first view, grid, axes,
rotation, origin, side, and each instance's world centre and (r, f) coordinates), so a user can
re-derive the map in any other convention from the row alone; its program re-executes to the
cells through ``oracle.execute``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from itertools import combinations
from math import comb

import numpy as np

from spatialqa.errors import ConfigError
from spatialqa.generators.choices import LetterBalancer
from spatialqa.generators.registry import register_task
from spatialqa.generators.sample import ObjectRef, Sample
from spatialqa.generators.task import (
    Context,
    Draft,
    Made,
    Rng,
    Task,
    derivation,
    one_of,
    phrase,
)
from spatialqa.oracle import Fact, cognitive_map
from spatialqa.oracle.maps import DEFAULT_GRID, MAP_FRAMES, MAX_CATEGORIES, MAX_GRID
from spatialqa.oracle.viewer import has_heading
from spatialqa.seeding import rng_for

MAP_QUESTIONS = (
    "Imagine the room seen from above as a {n}x{n} grid map. {convention} What is the center "
    "point of each {named} in the room? List every instance of each category. Answer in JSON: "
    '{{"category": [[x, y], ...]}}.',
    "Draw a cognitive map of this room on a {n}x{n} grid. {convention} Give the grid cell of "
    "the center of every {named} you can see, as a JSON object mapping each category to a list "
    "of [x, y] cells, one per instance.",
    "Assuming the entire scene is represented by a {n}x{n} grid, where is the center of each "
    "{named}? {convention} Reply with JSON such as "
    '{{"category": [[x, y], ...]}}, one [x, y] per instance.',
)
SCAFFOLD_INTRO = (
    "A cognitive map of the scene (a {n}x{n} grid; {convention_lower} Each object is at the "
    "cell of its center): {cells}"
)


def convention(frame: str, grid: int) -> str:
    """The map's convention in words, as a question states it."""
    last = grid - 1
    cells = (
        f"Cells are [x, y] with x from 0 (left) to {last} (right) and y from 0 (top) to "
        f"{last} (bottom); the map covers the room's floor"
    )
    if frame == "first_view":
        return (
            f"{cells}, its top is the direction the camera faces in the first frame and its "
            f"right is that camera's right."
        )
    return f"{cells}, its top is the scene's +y axis and its right the +x axis."


def compact(cells: dict[str, list[list[int]]]) -> str:
    """A map as the answer writes it: compact JSON, categories sorted."""
    return json.dumps(cells, separators=(",", ":"), sort_keys=True)


def named_list(names: list[str]) -> str:
    """``["chair", "sofa", "table"]`` -> ``"chair, sofa and table"``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def map_labels(fact: Fact) -> dict:
    """``labels["map"]``: the transform of ``fact`` and where each instance is (world centre,
    (r, f) and unclipped cell coordinates, by instance id)."""
    detail = fact.detail
    return {
        **detail["transform"],
        "centers": detail["centers"],
        "positions": detail["positions"],
        "continuous": detail["continuous"],
    }


@dataclass(frozen=True)
class MapParams:
    """``grid`` N; ``frame`` first_view | world; how many categories a question names."""

    grid: int = DEFAULT_GRID
    frame: str = "first_view"
    min_categories: int = 3
    max_categories: int = 8
    max_candidates: int = 500

    def __post_init__(self) -> None:
        one_of("cognitive_map", "frame", self.frame, MAP_FRAMES)
        if not (isinstance(self.grid, int) and 2 <= self.grid <= MAX_GRID):
            raise ConfigError(
                f"tasks[cognitive_map].params.grid: must be an integer in 2..{MAX_GRID} "
                f"(got {self.grid!r})"
            )
        if not 1 <= self.min_categories <= self.max_categories <= MAX_CATEGORIES:
            raise ConfigError(
                "tasks[cognitive_map].params: need 1 <= min_categories <= max_categories <= "
                f"{MAX_CATEGORIES} (got {self.min_categories}, {self.max_categories})"
            )
        if self.max_candidates < 1:
            raise ConfigError(
                f"tasks[cognitive_map].params.max_candidates: must be >= 1 "
                f"(got {self.max_candidates})"
            )


@register_task
class CognitiveMap(Task):
    """GROUND_TRUTH.md cognitive_map: the cells of every instance of 3-8 named categories.

    A category is named only when every instance of it is visible above tau in the views, so
    the map lists each of them (abstention items name one the views miss); the first view must
    have a heading for the ``first_view`` frame.
    """

    name = "cognitive_map"
    family = "map"
    answer_type = "map"
    metric = "map_locality"
    Params = MapParams

    def candidates(self, ctx: Context) -> list[tuple[str, ...]]:
        """Sets of categories (sorted tuples): all of them when there are at most
        ``max_candidates``, else that many drawn by a seeded rng."""
        params = self.params
        if params.frame == "first_view" and not has_heading(ctx.scene.frame(ctx.views[0])):
            return []
        eligible = [
            category
            for category, ids in sorted(ctx.scene.categories.items())
            if all(i in ctx.visible for i in ids)
        ]
        sizes = range(params.min_categories, min(params.max_categories, len(eligible)) + 1)
        if sum(comb(len(eligible), k) for k in sizes) <= params.max_candidates:
            return [group for k in sizes for group in combinations(eligible, k)]
        rng = rng_for(ctx.seed, ctx.scene.scene_id, self.name, "groups")
        groups: dict[tuple[str, ...], None] = {}
        for _ in range(20 * params.max_candidates):
            if len(groups) == params.max_candidates:
                break
            k = sizes[int(rng.integers(len(sizes)))]
            picked = sorted(rng.choice(len(eligible), size=k, replace=False).tolist())
            groups.setdefault(tuple(eligible[i] for i in picked), None)
        return list(groups)

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        params = self.params
        fact = cognitive_map(
            ctx.scene,
            list(candidate),
            list(ctx.views),
            grid=params.grid,
            frame=params.frame,
            tau_instance=ctx.tau_instance,
            tau_frame=ctx.tau_frame,
        )
        if not fact.answerable:
            return None
        listed = [candidate[i] for i in rng.permutation(len(candidate))]
        answer = compact(fact.value)
        question = phrase(
            rng,
            MAP_QUESTIONS,
            n=params.grid,
            convention=convention(params.frame, params.grid),
            named=named_list(listed),
        )
        return Draft(
            fact=fact,
            question=question,
            answer=answer,
            rationale=self._rationale(ctx, fact, answer),
            objects=tuple(
                ObjectRef(i, ctx.scene.object(i).category, "mapped") for i in fact.instance_ids
            ),
            margin=fact.margin,
            labels={"map": map_labels(fact)},
        )

    @staticmethod
    def _rationale(ctx: Context, fact: Fact, answer: str) -> str:
        t = fact.detail["transform"]
        right, up = (np.round(t[k], 3).tolist() for k in ("right", "up"))
        if t["frame"] == "first_view":
            axes = (
                f"The map's up is the heading of the first frame {t['view']} on the floor, "
                f"{up} in world XY, and its right is that camera's right, {right}."
            )
        else:
            axes = "The map's up is world +y and its right world +x."
        placed = "; ".join(_placed(ctx, fact, instance) for instance in fact.instance_ids)
        extent = "room footprint" if t["extent_from"] == "footprint" else "scene's geometry"
        return derivation(
            f"{axes} A point's coordinates are r along the right and f along the up (metres).",
            f"The map is the square of side {t['side']:.3f} m centred on the {extent}'s bounding "
            f"box in (r, f), from r = {t['r_min']:.3f} (left) and f = {t['f_max']:.3f} (top); a "
            f"cell is {t['cell_m']:.3f} m: x = floor({t['grid']} (r - r_min) / side), "
            f"y = floor({t['grid']} (f_max - f) / side).",
            f"Box centres, each visible in the views: {placed}.",
            f"So the map is {answer}",
        )


def _placed(ctx: Context, fact: Fact, instance: int) -> str:
    """One instance's step of the rationale: world centre -> (r, f) -> cell."""
    key, grid = str(instance), fact.detail["transform"]["grid"]
    centre, rf = (np.round(fact.detail[k][key], 2).tolist() for k in ("centers", "positions"))
    cell = np.clip(np.floor(fact.detail["continuous"][key]), 0, grid - 1).astype(int).tolist()
    category = ctx.scene.object(instance).category
    return f"{category} (id {instance}): centre {centre} -> (r, f) {rf} m -> cell {cell}"


def map_scaffold(sample: Sample, ctx: Context, grid: int = DEFAULT_GRID) -> Sample:
    """``sample`` with the true map of its referents' categories (every instance visible in its
    views) and the map's convention before the question, and ``labels["map"]``. The frame is
    ``first_view`` (``world`` when the first view looks straight down)."""
    categories = list(dict.fromkeys(ref.category for ref in sample.objects))
    frame = "first_view" if has_heading(ctx.scene.frame(sample.views[0])) else "world"
    fact = cognitive_map(
        ctx.scene,
        categories,
        list(sample.views),
        grid=grid,
        frame=frame,
        tau_instance=ctx.tau_instance,
        tau_frame=ctx.tau_frame,
    )
    shown = {category: cells for category, cells in fact.value.items() if cells}
    words = convention(frame, grid)
    intro = SCAFFOLD_INTRO.format(
        n=grid, convention_lower=words[0].lower() + words[1:], cells=compact(shown)
    )
    labels = json.loads(sample.labels) if sample.labels else {}
    labels["map"] = {**map_labels(fact), "program": fact.program}
    return dataclasses.replace(
        sample,
        question=f"{intro}\n{sample.question}",
        question_vsi=None if sample.question_vsi is None else f"{intro}\n{sample.question_vsi}",
        labels=json.dumps(labels, sort_keys=True),
        scaffold="map",
    )
