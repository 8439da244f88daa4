"""Metrics exactly as the field reports them: lmms-eval's VSI-Bench parsing, accuracy and MRA.

A reply is read the way lmms-eval's vsibench task reads it (``fuzzy_matching``): the text up to
the first space, trailing full stops stripped. So "3 meters" reads as 3, "3m" does not parse and
scores 0, and "B." matches B. Keeping this byte-for-byte is what makes a score computed here
comparable with a number in a paper.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from spatialqa import moved
from spatialqa.generators.sample import ABSTAIN_ANSWER

# Hard-coded, not np.linspace(.5, .95, ...): lmms-eval's float step count lands on these ten.
MRA_THRESHOLDS = (0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95)
DIRECTION_TASKS = (
    "object_rel_direction_easy",
    "object_rel_direction_medium",
    "object_rel_direction_hard",
)


def first_token(response: str) -> str:
    """lmms-eval's ``fuzzy_matching``: the reply up to its first space, trailing '.' removed."""
    return response.split(" ")[0].rstrip(".").strip()


def to_float(token: str) -> float | None:
    """``float(token)``, or None when it does not parse (lmms-eval then scores 0)."""
    try:
        value = float(token)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def exact_match(response: str, answer: str) -> float:
    """Case-insensitive match of the reply's first token with the answer (MC letter, yes/no)."""
    return float(first_token(response).lower() == answer.lower())


def mean_relative_accuracy(prediction: float | None, truth: float) -> float:
    """MRA: the share of the ten thresholds theta with ``|pred - gt| / gt <= 1 - theta``."""
    if prediction is None:
        return 0.0
    if truth == 0:
        return float(prediction == 0)
    error = abs(prediction - truth) / abs(truth)
    return sum(error <= 1 - theta for theta in MRA_THRESHOLDS) / len(MRA_THRESHOLDS)


def mra(response: str, answer: str) -> float:
    """MRA of a free-text reply against the answer as the dataset writes it."""
    truth = to_float(answer)
    if truth is None:
        raise ValueError(f"answer: not a number: {answer!r}")
    return mean_relative_accuracy(to_float(first_token(response)), truth)


def parse_box(text: str) -> tuple[float, float, float, float] | None:
    """A box written ``[x1, y1, x2, y2]`` (JSON), or None when the reply is not one."""
    numbers = _numbers(text, 4)
    if numbers is None or numbers[2] < numbers[0] or numbers[3] < numbers[1]:
        return None
    return numbers  # type: ignore[return-value]


def parse_point(text: str) -> tuple[float, float] | None:
    """A point written ``[x, y]`` (JSON), or None."""
    return _numbers(text, 2)  # type: ignore[return-value]


def _numbers(text: str, count: int) -> tuple[float, ...] | None:
    start, end = text.find("["), text.find("]")
    if start < 0 or end < start:
        return None
    try:
        values = json.loads(text[start : end + 1])
    except ValueError:
        return None
    if not isinstance(values, list) or len(values) != count:
        return None
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
        return None
    return tuple(float(v) for v in values)


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two ``[x1, y1, x2, y2]`` boxes (0 when both are empty)."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(width, 0.0) * max(height, 0.0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def point_distance(a: Sequence[float], b: Sequence[float]) -> float:
    """Euclidean distance between two points, in the units they are written in."""
    return math.hypot(a[0] - b[0], a[1] - b[1])


def is_abstention(response: str) -> bool:
    """Whether a reply declines to answer (the dataset's abstention phrase, or 'cannot')."""
    text = response.strip().lower()
    return text.startswith(ABSTAIN_ANSWER[:20]) or first_token(text) in {"cannot", "abstain"}


def metric_score(metric: str, answer_type: str, answer: str, response: str) -> float:
    """The task metric (``metric``: accuracy, mra, iou, ...) of one reply, in [0, 1]; what
    ``spatialqa eval`` reports."""
    if answer_type == "abstain":
        return float(is_abstention(response))
    if metric == "mra":
        return mra(response, answer)
    if metric == "iou":
        truth, guess = parse_box(answer), parse_box(response)
        return box_iou(truth, guess) if truth and guess else 0.0
    if metric == "point_in_radius":
        truth, guess = parse_point(answer), parse_point(response)
        return float(bool(truth and guess) and point_distance(truth, guess) <= 50.0)
    if metric == "clock_within_1h":
        hour, guess = to_float(answer), to_float(first_token(response))
        if hour is None or guess is None:
            return 0.0
        gap = abs(guess - hour) % 12
        return float(min(gap, 12 - gap) <= 1)
    return exact_match(response, answer)


@dataclass(frozen=True)
class Abstention:
    """Abstention quality: precision = right abstentions / abstentions, recall = / unanswerable."""

    precision: float | None
    recall: float | None
    abstained: int
    unanswerable: int


def abstention(answerable: Iterable[bool], abstained: Iterable[bool]) -> Abstention:
    """Precision and recall of abstaining on the unanswerable items (None when undefined)."""
    pairs = list(zip(answerable, abstained, strict=True))
    said = sum(a for _, a in pairs)
    unanswerable = sum(not ok for ok, _ in pairs)
    right = sum(a and not ok for ok, a in pairs)
    return Abstention(
        precision=right / said if said else None,
        recall=right / unanswerable if unanswerable else None,
        abstained=said,
        unanswerable=unanswerable,
    )


def aggregate(per_task: Mapping[str, Sequence[float]]) -> dict[str, float]:
    """Macro (mean over tasks) and micro (mean over items) of per-item scores."""
    means = [sum(s) / len(s) for s in per_task.values() if s]
    items = [x for s in per_task.values() for x in s]
    return {
        "macro": sum(means) / len(means) if means else float("nan"),
        "micro": sum(items) / len(items) if items else float("nan"),
    }


def vsibench_overall(task_means: Mapping[str, float]) -> float:
    """VSI-Bench's overall: the three rel_direction tasks averaged into one, then the mean.

    As lmms-eval computes it, over the tasks present; the direction tasks must all be there.
    """
    means = dict(task_means)
    present = [t for t in DIRECTION_TASKS if t in means]
    if present and len(present) != len(DIRECTION_TASKS):
        missing = sorted(set(DIRECTION_TASKS) - set(present))
        raise ValueError(f"VSI-Bench overall needs all three direction tasks (missing {missing})")
    if present:
        means["object_rel_direction"] = sum(means.pop(t) for t in DIRECTION_TASKS) / 3
    return sum(means.values()) / len(means)


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
