"""Verifiable rewards for RL trainers: one call per rollout, no Ray, no rendering.

``reward(sample, response)`` blends a format reward (did the reply say something of the
answer's kind?) with the task's own reward: MRA for numbers, exact match for choices and
yes/no, 1.0 / 0.3 / 0.1 for counts off by 0 / 1 / 2, IoU for boxes, map locality for cognitive
maps, and abstention rewarded only where the sample is unanswerable. ``sample`` is a dataset
row (a mapping with the output columns) or a :class:`~spatialqa.generators.Sample`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from typing import Any

from spatialqa import moved
from spatialqa.generators.metrics import (
    first_token,
    is_abstention,
    metric_score,
    parse_box,
    parse_map,
    parse_point,
    point_distance,
    to_float,
)

COUNT_REWARD = {0: 1.0, 1: 0.3, 2: 0.1}
FORMAT_WEIGHT = 0.1


def _row(sample: Any) -> Mapping[str, Any]:
    if is_dataclass(sample) and not isinstance(sample, type):
        return asdict(sample)
    if isinstance(sample, Mapping):
        return sample
    raise TypeError(f"sample: expected a dataset row or a Sample, got {type(sample).__name__}")


def format_ok(row: Mapping[str, Any], response: str) -> bool:
    """Whether the reply has the answer's form: a letter of the options, a number, yes/no..."""
    if is_abstention(response):
        return True
    kind = row["answer_type"]
    token = first_token(response)
    if kind == "mc":
        letters = {choice.split(".", 1)[0].lower() for choice in row["choices"]}
        return token.lower() in letters
    if kind in ("number", "integer"):
        return to_float(token) is not None
    if kind == "yes_no":
        return token.lower() in ("yes", "no")
    if kind == "box":
        return parse_box(response) is not None
    if kind == "point":
        return parse_point(response) is not None
    if kind == "map":
        return parse_map(response) is not None
    return bool(response.strip())


def task_reward(row: Mapping[str, Any], response: str) -> float:
    """The task's own reward in [0, 1]."""
    if not row.get("answerable", True) or row["answer_type"] == "abstain":
        return float(is_abstention(response))
    if is_abstention(response):
        return 0.0
    if row["answer_type"] == "integer" and row["family"] == "counting":
        truth, guess = to_float(row["answer"]), to_float(first_token(response))
        if truth is None or guess is None or guess != int(guess):
            return 0.0
        return COUNT_REWARD.get(abs(int(guess) - int(truth)), 0.0)
    if row["answer_type"] == "point":
        truth, guess = parse_point(row["answer"]), parse_point(response)
        if truth is None or guess is None:
            return 0.0
        return max(0.0, 1.0 - point_distance(truth, guess) / 100.0)
    return metric_score(row["metric"], row["answer_type"], row["answer"], response)


def rewards(sample: Any, response: str) -> dict[str, float]:
    """The format reward and the task reward of one reply, separately."""
    row = _row(sample)
    return {"format": float(format_ok(row, response)), "task": task_reward(row, response)}


def reward(sample: Any, response: str, format_weight: float = FORMAT_WEIGHT) -> float:
    """The RL reward of one reply: ``format_weight * format + (1 - format_weight) * task``, in
    [0, 1]."""
    parts = rewards(sample, response)
    return format_weight * parts["format"] + (1.0 - format_weight) * parts["task"]


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
