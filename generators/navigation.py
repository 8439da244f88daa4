"""Route planning: fill in the turns of a robot walking from landmark to landmark."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise, permutations, product

import numpy as np

from spatialqa.errors import SpatialQAError
from spatialqa.generators.choices import LetterBalancer, with_options
from spatialqa.generators.registry import register_task
from spatialqa.generators.task import Context, Draft, Made, Rng, Task, derivation, phrase, refs
from spatialqa.oracle import route
from spatialqa.oracle.navigation import TURN_BACK_DEG, floor_polygon, route_deltas
from spatialqa.oracle.viewer import center_xy
from spatialqa.seeding import rng_for

ACTIONS = ("turn back", "turn left", "turn right")
ROUTE_QUESTIONS = (
    "You are a robot beginning at the {start} facing the {facing}. You want to navigate to the "
    "{goal}. You will perform the following actions (Note: for each [please fill in], choose "
    "either 'turn back,' 'turn left,' or 'turn right.'): {actions}",
    "A robot starts at the {start}, facing the {facing}, and has to reach the {goal}. Its plan "
    "is: {actions} Fill each [please fill in] with 'turn back' (135 degrees or more), 'turn "
    "left' or 'turn right', judged from the robot's own heading at that point.",
    "Standing by the {start} and facing the {facing}, you walk to the {goal} like this: "
    "{actions} Which turns fill the blanks, in order, relative to the way you are heading "
    "('turn left', 'turn right', or 'turn back' for 135 degrees or more)?",
)


@dataclass(frozen=True)
class RouteParams:
    min_legs: int = 2
    max_legs: int = 3
    max_candidates: int = 20_000
    min_turn_deg: float = 20.0
    back_margin_deg: float = 10.0
    min_leg_m: float = 0.5
    robot_radius: float = 0.2
    cell: float = 0.05
    height_limit: float = 1.5


def spoken(actions: list[str] | tuple[str, ...]) -> str:
    """``["turn left", "turn back"]`` -> ``"Turn Left, Turn Back"`` (VSI's option style)."""
    return ", ".join(action.title() for action in actions)


def plan_text(waypoints: list[str]) -> str:
    """VSI's numbered plan: a blank before each "Go forward until the ..." leg."""
    steps = []
    for name in waypoints:
        steps += ["[please fill in]", f"Go forward until the {name}"]
    numbered = " ".join(f"{i}. {step}" for i, step in enumerate(steps, 1))
    return f"{numbered}. You have reached the final destination."


@register_task
class RoutePlanning(Task):
    """GROUND_TRUTH.md route_planning: the turn at each landmark of a walkable route."""

    name = "route_planning"
    map_scaffold = True
    family = "navigation"
    answer_type = "mc"
    metric = "accuracy"
    Params = RouteParams

    def candidates(self, ctx: Context) -> list[tuple[str, ...]]:
        """Every chain of distinct categories, or ``max_candidates`` of them drawn by a seeded
        rng when there are more (chains of 5 of 30 categories would be 17 million)."""
        try:
            floor_polygon(ctx.scene)
        except SpatialQAError:
            return []  # no footprint and no floor: nowhere to walk
        names = list(ctx.unique)
        legs = range(self.params.min_legs, self.params.max_legs + 1)
        total = sum(math.perm(len(names), n + 2) for n in legs)
        if total <= self.params.max_candidates:
            return [chain for n in legs for chain in permutations(names, n + 2)]
        # Chains as index tuples, names at the end: tens of thousands of draws per scene.
        # ``rng.integers(len(legs))`` draws exactly what ``rng.choice(legs)`` did, much faster.
        rng = rng_for(ctx.seed, ctx.scene.scene_id, self.name, "chains")
        chains: dict[tuple[int, ...], None] = {}
        while len(chains) < self.params.max_candidates:
            n = legs[int(rng.integers(len(legs)))] + 2
            chains.setdefault(tuple(rng.permutation(len(names))[:n].tolist()), None)
        return [tuple(map(names.__getitem__, chain)) for chain in chains]

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        params = self.params
        start_name, facing_name, *stop_names = candidate
        start, facing, *stops = (ctx.unique[n] for n in candidate)
        points = [center_xy(ctx.scene, i) for i in (facing, start, *stops)]
        if any(np.hypot(*(b - a)) < params.min_leg_m for a, b in pairwise(points)):
            return None
        deltas = route_deltas(ctx.scene, start, facing, stops)
        if any(
            abs(d) < params.min_turn_deg or abs(abs(d) - TURN_BACK_DEG) < params.back_margin_deg
            for d in deltas
        ):
            return None
        fact = route(
            ctx.scene,
            start,
            facing,
            stops,
            robot_radius=params.robot_radius,
            cell=params.cell,
            height_limit=params.height_limit,
        )
        if not fact.answerable:
            return None
        answer = spoken(fact.value)
        wrong = [spoken(s) for s in product(ACTIONS, repeat=len(stops)) if list(s) != fact.value]
        chosen = rng.choice(len(wrong), size=min(3, len(wrong)), replace=False)
        options, letter = letters.arrange(answer, [wrong[i] for i in sorted(chosen)], rng=rng)
        fields = {
            "start": start_name,
            "facing": facing_name,
            "goal": stop_names[-1],
            "actions": plan_text(stop_names),
        }
        turns = "; ".join(
            f"towards the {name}: {delta:+.1f} degrees"
            for name, delta in zip(stop_names, deltas, strict=True)
        )
        lengths = ", ".join(f"{length:.1f} m" for length in fact.detail["path_m"])
        rationale = derivation(
            f"Start at the {start_name}'s box centre, heading towards the {facing_name}'s "
            f"(floor plan).",
            f"Heading changes at each landmark (positive is counter-clockwise, left): {turns}.",
            f"Every leg is walkable on the free floor for a robot of radius "
            f"{params.robot_radius:g} m (shortest paths {lengths}).",
            f"A change of 135 degrees or more is turn back, otherwise its sign gives left or "
            f"right: {answer}.",
        )
        return Draft(
            fact=fact,
            question=with_options(phrase(rng, ROUTE_QUESTIONS, **fields), options),
            question_vsi=ROUTE_QUESTIONS[0].format(**fields),
            answer=letter,
            choices=options,
            rationale=rationale,
            objects=refs(
                ctx.scene,
                start=start,
                facing=facing,
                **{f"waypoint_{k}": i for k, i in enumerate(stops[:-1], 1)},
                goal=stops[-1],
            ),
            margin=float(fact.margin),
        )
