"""Egocentric tasks: clock directions, goal aiming, action consequences, perspective taking.

The camera variants are about one delivered frame and show only it; the object variants
("standing at the P facing the O") are scene-level. Every question names its frame of
reference and that positions are box centres on the floor plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations

import numpy as np

from spatialqa.generators.choices import LetterBalancer, with_options
from spatialqa.generators.registry import register_task
from spatialqa.generators.task import (
    Context,
    Draft,
    Made,
    Rng,
    Task,
    Undecided,
    derivation,
    phrase,
    refs,
)
from spatialqa.oracle import action_consequence, clock_direction, goal_aiming, perspective
from spatialqa.oracle.viewer import center_xy, has_heading

CLOCK_QUESTIONS = (
    "Taking the camera's viewing direction in this image as 12 o'clock, in which clock direction "
    "is the {B}, seen from above? Answer with an hour from 1 to 12.",
    "Seen from above, with straight ahead of the camera at 12 o'clock and its right at 3 o'clock, "
    "at what o'clock is the {B} from the camera? Answer with a number from 1 to 12.",
    "If the direction this camera faces is 12 o'clock, what clock position (1 to 12) does the "
    "{B} have relative to the camera on the floor plan?",
)
CLOCK_FROM_OBJECT_QUESTIONS = (
    "Imagine standing at the {A} facing the same way as the camera in this image (12 o'clock). "
    "At what clock position, from 1 to 12, is the {B}?",
    "From the {A}, facing the camera's viewing direction (12 o'clock, with 3 o'clock to the "
    "right), in which clock direction is the {B}? Answer with an hour from 1 to 12.",
    "Someone at the {A} faces where this camera faces, which is 12 o'clock for them. At what "
    "o'clock is the {B}, seen from above (1 to 12)?",
)
AIM_QUESTIONS = (
    "Standing where the camera is and facing the way it looks, which way should you turn to "
    "face the {X}: left, right, or straight (already within {straight} degrees)?",
    "To face the {X} from the camera's position, would you turn left, turn right, or keep "
    "looking straight ahead (the {X} less than {straight} degrees off the viewing direction)?",
    "From the camera's point of view, do you reach the {X} by turning left, by turning right, "
    "or by going straight ahead (within {straight} degrees)?",
)
AIM_FROM_OBJECT_QUESTIONS = (
    "If you stand at the {P} facing the {O}, which way do you turn to face the {X}: left, "
    "right, or straight (within {straight} degrees)?",
    "Imagine being at the {P}, looking towards the {O}. To face the {X}, would you turn left, "
    "turn right, or go straight ahead (less than {straight} degrees off)?",
    "Standing by the {P} with the {O} straight ahead, is the {X} reached by turning left, by "
    "turning right, or straight ahead (within {straight} degrees)?",
)
ACTION_QUESTIONS = {
    "closer": (
        "Suppose the camera {action}. Would the {X} then be closer to the camera than it is "
        "now (distance on the floor plan)? Answer yes or no.",
        "If the camera {action}, does its distance to the {X}, measured on the floor plan, get "
        "smaller? Answer yes or no.",
        "The camera {action}. Is it now nearer to the {X} than before (horizontal distance)? "
        "Answer yes or no.",
    ),
    "left": (
        "Suppose the camera {action}. Would the {X} then appear more to the left, from the "
        "camera's point of view, than it does now? Answer yes or no.",
        "If the camera {action}, is the {X} further to the camera's left afterwards than before "
        "(its bearing from the viewing direction, seen from above)? Answer yes or no.",
        "The camera {action}. From the camera's viewpoint, has the {X} moved towards its left? "
        "Answer yes or no.",
    ),
}
PERSPECTIVE_QUESTIONS = {
    "left_right": (
        "If you stood at the {X} facing the {Y}, would the {Z} be to your left or to your right?",
        "Imagine standing by the {X} and looking towards the {Y}. From that viewpoint, is the "
        "{Z} on your left or on your right?",
        "Take the point of view of someone at the {X} who faces the {Y}. Is the {Z} to their "
        "left or to their right?",
    ),
    "closer": (
        "If you stood at the {X} facing the {Y}, would the {Z} be closer to you or farther from "
        "you than the {W} (distances between box centres on the floor plan)?",
        "Imagine standing by the {X} and looking towards the {Y}. Measured between box centres "
        "on the floor plan, is the {Z} closer to you or farther away than the {W}?",
        "From the viewpoint of someone at the {X} facing the {Y}, is the {Z} closer or farther "
        "than the {W}, by the horizontal distance between box centres?",
    ),
}
PERSPECTIVE_LABELS = {"left_right": ("left", "right"), "closer": ("closer", "farther")}
AIM_LABELS = ("left", "right", "straight")


def heading_views(ctx: Context) -> list[str]:
    """The delivered views whose camera has a heading on the floor plan (not straight down)."""
    return [view for view in ctx.views if has_heading(ctx.scene.frame(view))]


def in_view(ctx: Context, view: str, *instance_ids: int) -> bool:
    """Whether every instance is visible above tau in ``view``."""
    return set(instance_ids) <= ctx.visible_in((view,))


def apart(ctx: Context, a: int, b: int, least: float) -> bool:
    """Whether the box centres of ``a`` and ``b`` are at least ``least`` apart on XY."""
    return float(np.hypot(*(center_xy(ctx.scene, a) - center_xy(ctx.scene, b)))) >= least


def pick(options: tuple[str, ...], answer: str) -> list[str]:
    return [option for option in options if option != answer]


@dataclass(frozen=True)
class ClockParams:
    min_margin_deg: float = 5.0
    min_distance: float = 0.5


@register_task
class ClockDirection(Task):
    """GROUND_TRUTH.md clock_direction: the hour of an object from the camera, or from another
    object facing the camera's heading, in one delivered frame; scored within one hour."""

    name = "clock_direction"
    family = "direction"
    answer_type = "integer"
    metric = "clock_within_1h"
    unit = "o'clock"
    mc_variant = False
    Params = ClockParams

    def candidates(self, ctx: Context) -> list[tuple]:
        names = list(ctx.unique)
        views = heading_views(ctx)
        return [(view, None, b) for view in views for b in names] + [
            (view, a, b) for view in views for a, b in permutations(names, 2)
        ]

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        view, anchor_name, target_name = candidate
        target = ctx.unique[target_name]
        anchor = None if anchor_name is None else ctx.unique[anchor_name]
        if not in_view(ctx, view, *(i for i in (anchor, target) if i is not None)):
            return None
        fact = clock_direction(ctx.scene, target, view=view, standing=anchor)
        if fact.detail["distance_m"] < self.params.min_distance:
            return None
        if fact.margin < self.params.min_margin_deg:
            return Undecided(
                "angle to the nearest half hour", fact.margin, self.params.min_margin_deg, "degrees"
            )
        hour = int(fact.value)
        if anchor is None:
            question = phrase(rng, CLOCK_QUESTIONS, B=target_name)
            origin, objects = "the camera", refs(ctx.scene, target=target)
        else:
            question = phrase(rng, CLOCK_FROM_OBJECT_QUESTIONS, A=anchor_name, B=target_name)
            origin = f"the {anchor_name}'s box centre"
            objects = refs(ctx.scene, standing=anchor, target=target)
        rationale = derivation(
            f"Stand at {origin} and face the camera's viewing direction, projected on the floor "
            f"plan: that is 12 o'clock, and hours run clockwise seen from above.",
            f"The {target_name}'s box centre is {fact.detail['distance_m']:.2f} m away, "
            f"{fact.detail['clockwise_deg']:.1f} degrees clockwise from 12 o'clock.",
            f"Each hour covers 30 degrees around its mark, so the {target_name} is at {hour} "
            f"o'clock ({fact.margin:.1f} degrees from the nearest half hour).",
        )
        return Draft(
            fact=fact,
            question=question,
            answer=str(hour),
            value=float(hour),
            rationale=rationale,
            objects=objects,
            margin=float(fact.margin),
            views=(view,),
        )


@dataclass(frozen=True)
class AimParams:
    straight_deg: float = 10.0
    min_margin_deg: float = 5.0
    min_distance: float = 0.5


@register_task
class GoalAiming(Task):
    """GROUND_TRUTH.md goal_aiming (SAT): turn left, right or go straight to face an object,
    from the camera of one frame or standing at one object facing another."""

    name = "goal_aiming"
    family = "direction"
    answer_type = "mc"
    metric = "accuracy"
    Params = AimParams

    def candidates(self, ctx: Context) -> list[tuple]:
        names = list(ctx.unique)
        return [("view", view, x) for view in heading_views(ctx) for x in names] + [
            ("objects", *triple) for triple in permutations(names, 3)
        ]

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        params = self.params
        if candidate[0] == "view":
            _, view, x_name = candidate
            target = ctx.unique[x_name]
            if not in_view(ctx, view, target):
                return None
            fact = goal_aiming(ctx.scene, target, view=view, straight_deg=params.straight_deg)
            stem = phrase(rng, AIM_QUESTIONS, X=x_name, straight=f"{params.straight_deg:g}")
            start = "Stand at the camera and face its viewing direction (on the floor plan)."
            objects, views = refs(ctx.scene, target=target), (view,)
        else:
            _, p_name, o_name, x_name = candidate
            p, o, target = (ctx.unique[n] for n in (p_name, o_name, x_name))
            if not apart(ctx, p, o, params.min_distance):
                return None
            fact = goal_aiming(
                ctx.scene, target, standing=p, facing=o, straight_deg=params.straight_deg
            )
            stem = phrase(
                rng,
                AIM_FROM_OBJECT_QUESTIONS,
                P=p_name,
                O=o_name,
                X=x_name,
                straight=f"{params.straight_deg:g}",
            )
            start = f"Stand at the {p_name}'s box centre and face the {o_name}'s (floor plan)."
            objects, views = refs(ctx.scene, standing=p, facing=o, target=target), None
        if fact.detail["distance_m"] < params.min_distance:
            return None
        if fact.margin < params.min_margin_deg:
            return Undecided(
                "angle to the nearest boundary", fact.margin, params.min_margin_deg, "degrees"
            )
        yaw = fact.detail["yaw_deg"]
        options, letter = letters.arrange(fact.value, pick(AIM_LABELS, fact.value), rng=rng)
        rationale = derivation(
            start,
            f"The {x_name}'s box centre is {fact.detail['distance_m']:.2f} m away, at a yaw of "
            f"{yaw:+.1f} degrees (positive is counter-clockwise, to the left).",
            f"Within {params.straight_deg:g} degrees is straight; beyond, the sign says the side: "
            f"the answer is {fact.value} ({fact.margin:.1f} degrees from the nearest boundary).",
        )
        return Draft(
            fact=fact,
            question=with_options(stem, options),
            answer=letter,
            choices=options,
            rationale=rationale,
            objects=objects,
            margin=float(fact.margin),
            views=views,
        )


@dataclass(frozen=True)
class ActionParams:
    min_distance_change: float = 0.5
    min_angle_change: float = 10.0
    turns_deg: tuple[float, ...] = (30.0, 45.0, 60.0, 90.0)
    steps_m: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)


def describe_action(turn_deg: float, step_m: float) -> str:
    """``"turns 45 degrees to its left and then moves 1.0 m forward"`` and the like."""
    parts = []
    if turn_deg:
        side = "left" if turn_deg > 0 else "right"
        parts.append(f"turns {abs(turn_deg):g} degrees to its {side}")
    if step_m:
        parts.append(f"moves {abs(step_m):g} m {'forward' if step_m > 0 else 'backward'}")
    return " and then ".join(parts)


@register_task
class ActionConsequence(Task):
    """GROUND_TRUTH.md action_consequence (SAT): after a turn and/or a step of the camera, is
    the object closer, or more to the left, than before? Yes or no, about one frame."""

    name = "action_consequence"
    family = "direction"
    answer_type = "yes_no"
    metric = "accuracy"
    Params = ActionParams

    def candidates(self, ctx: Context) -> list[tuple[str, str, str]]:
        return [
            (view, x, query)
            for view in heading_views(ctx)
            for x in ctx.unique
            for query in ("closer", "left")
        ]

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        view, x_name, query = candidate
        target = ctx.unique[x_name]
        if not in_view(ctx, view, target):
            return None
        params = self.params
        turn = float(rng.choice(params.turns_deg)) * (1 if rng.random() < 0.5 else -1)
        step = float(rng.choice(params.steps_m)) * (1 if rng.random() < 0.7 else -1)
        if query == "closer" and rng.random() < 0.5:
            turn = 0.0  # a turn alone never changes the distance: closer always steps
        elif query == "left" and rng.random() < 0.5:
            step = 0.0
        fact = action_consequence(ctx.scene, target, view, query, turn_deg=turn, step_m=step)
        least = params.min_distance_change if query == "closer" else params.min_angle_change
        if fact.margin < least:
            if query == "closer":
                return Undecided("change in distance", fact.margin, least, "m")
            return Undecided("change in bearing", fact.margin, least, "degrees")
        action = describe_action(turn, step)
        detail = fact.detail
        if query == "closer":
            measured = (
                f"Before, the {x_name}'s box centre is {detail['distance_before_m']:.2f} m away "
                f"on the floor plan; after, {detail['distance_after_m']:.2f} m."
            )
            compared = "smaller" if fact.value == "yes" else "not smaller"
            verdict = f"The distance is {compared} by {fact.margin:.2f} m"
        else:
            measured = (
                f"Before, the {x_name}'s box centre is at a yaw of "
                f"{detail['yaw_before_deg']:+.1f} degrees (positive is left); after, "
                f"{detail['yaw_after_deg']:+.1f} degrees."
            )
            compared = "larger" if fact.value == "yes" else "not larger"
            verdict = f"The yaw is {compared}, by a margin of {fact.margin:.1f} degrees"
        rationale = derivation(
            f"The camera {action} (turn first, then step along the new heading).",
            measured,
            f"{verdict}, so the answer is {fact.value}.",
        )
        return Draft(
            fact=fact,
            question=phrase(rng, ACTION_QUESTIONS[query], X=x_name, action=action),
            answer=str(fact.value),
            rationale=rationale,
            objects=refs(ctx.scene, target=target),
            margin=float(fact.margin),
            views=(view,),
        )


@dataclass(frozen=True)
class PerspectiveParams:
    min_margin: float = 0.3
    min_facing_distance: float = 0.5
    max_corners_off: int = 2


@register_task
class PerspectiveTaking(Task):
    """GROUND_TRUTH.md perspective_taking: from a level virtual camera at X facing Y, is Z to
    the left or right, or closer or farther than W."""

    name = "perspective_taking"
    family = "direction"
    answer_type = "mc"
    metric = "accuracy"
    Params = PerspectiveParams

    def candidates(self, ctx: Context) -> list[tuple]:
        return [
            (*triple, query)
            for triple in permutations(ctx.unique, 3)
            for query in ("left_right", "closer")
        ]

    def make(self, ctx: Context, candidate: tuple, rng: Rng, letters: LetterBalancer) -> Made:
        *names, query = candidate
        x, y, z = (ctx.unique[n] for n in names)
        params = self.params
        if not apart(ctx, x, y, params.min_facing_distance):
            return None
        fields = dict(zip("XYZ", names, strict=True))
        roles = {"standing": x, "facing": y, "target": z}
        reference = None
        if query == "closer":
            others = [n for n in ctx.unique if n not in names]
            if not others:
                return None
            fields["W"] = others[int(rng.integers(len(others)))]
            reference = roles["reference"] = ctx.unique[fields["W"]]
        fact = perspective(ctx.scene, x, y, z, query=query, reference=reference)
        if fact.margin < params.min_margin:
            what = "sideways offset" if query == "left_right" else "difference in distance"
            return Undecided(what, fact.margin, params.min_margin, "m")
        if query == "left_right" and fact.detail["corners_off"] > params.max_corners_off:
            return None
        options, letter = letters.arrange(
            fact.value, pick(PERSPECTIVE_LABELS[query], fact.value), rng=rng
        )
        tx, _, tz = fact.detail["target_camera_xyz"]
        if query == "left_right":
            measured = (
                f"In that camera the {fields['Z']}'s box centre is {tx:+.2f} m along its x axis "
                f"(right positive) and {tz:+.2f} m ahead."
            )
            verdict = f"Negative x is left, so the {fields['Z']} is to the {fact.value}"
        else:
            measured = (
                f"On the floor plan the {fields['Z']}'s box centre is "
                f"{fact.detail['target_distance_m']:.2f} m away and the {fields['W']}'s "
                f"{fact.detail['reference_distance_m']:.2f} m."
            )
            verdict = f"So the {fields['Z']} is {fact.value}"
        rationale = derivation(
            f"Place a level camera at the {fields['X']}'s box centre, looking towards the "
            f"{fields['Y']}'s.",
            measured,
            f"{verdict} (margin {fact.margin:.2f} m).",
        )
        return Draft(
            fact=fact,
            question=with_options(phrase(rng, PERSPECTIVE_QUESTIONS[query], **fields), options),
            answer=letter,
            choices=options,
            rationale=rationale,
            objects=refs(ctx.scene, **roles),
            margin=float(fact.margin),
        )
