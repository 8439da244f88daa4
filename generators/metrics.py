"""Metrics exactly as the field reports them: lmms-eval's VSI-Bench parsing, accuracy and MRA;
VSI-Bench's map "distance locality" and SpaceR's map match for cognitive maps.

A reply is read the way lmms-eval's vsibench task reads it (``fuzzy_matching``): the text up to
the first space, trailing full stops stripped. So "3 meters" reads as 3, "3m" does not parse and
scores 0, and "B." matches B. Keeping this byte-for-byte is what makes a score computed here
comparable with a number in a paper.
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from spatialqa import moved
from spatialqa.generators.sample import ABSTAIN_ANSWER

# Hard-coded, not np.linspace(.5, .95, ...): lmms-eval's float step count lands on these ten.
MRA_THRESHOLDS = (0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95)
DIRECTION_TASKS = (
    "object_rel_direction_easy",
    "object_rel_direction_medium",
    "object_rel_direction_hard",
)
MAP_GRID = 10
"""N of a map whose grid a caller does not give (VSI-Bench's 10 x 10)."""
MAP_BIN_EDGES = (1.0, 2.1, 3.3, 4.4, 5.5, 6.6, 7.8, 8.9, 10.0)
"""VSI-Bench's 8 distance-locality bins, in cells: [1.0, 2.1], (2.1, 3.3], ... (8.9, 10.0]
(GROUND_TRUTH.md). Pairs nearer than 1.0 count in the first bin, pairs beyond 10.0 (a 10 x 10
map's diagonal is 12.7) in the last. These are ``np.linspace(1, 10, 9)`` rounded to 0.1; no
distance between two cells (the root of a sum of two squares) lies between the two."""
MAP_TOLERANCE = 1.0
"""A pair's predicted distance is right within this many cells of the true one."""
_MAP_TEXT = 100_000
"""Longest map reply parsed (a reward must stay cheap on untrusted text)."""


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


Cells = dict[str, list[tuple[float, float]]]
"""A parsed map: category -> the [x, y] cells of its instances."""


def parse_map(text: str) -> Cells | None:
    """A map written as a JSON object ``{"category": [[x, y], ...]}``, read leniently: VSI's
    ``(x, y)`` tuples, Python literals (single quotes), text around the object (a code fence),
    a lone ``[x, y]`` for a one-instance category; keys trimmed and lower-cased. Entries that
    are not two finite numbers are dropped. None when no object is found."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start or end - start > _MAP_TEXT:
        return None
    body = text[start : end + 1]
    parsed = None
    readers = (
        json.loads,
        ast.literal_eval,  # a Python literal: VSI's tuples, single quotes
        lambda text: json.loads(text.replace("(", "[").replace(")", "]")),  # tuples and JSON
    )
    for read in readers:
        try:
            parsed = read(body)
            break
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
    if not isinstance(parsed, dict):
        return None
    cells: Cells = {}
    for key, value in parsed.items():
        if not isinstance(key, str) or not isinstance(value, list | tuple):
            continue
        points = [value] if _cell(value) is not None else value
        found = [cell for cell in map(_cell, points) if cell is not None]
        cells.setdefault(key.strip().lower(), []).extend(found)
    return cells


def _cell(value: object) -> tuple[float, float] | None:
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return None
    x, y = float(value[0]), float(value[1])
    return (x, y) if math.isfinite(x) and math.isfinite(y) else None


def _nearest(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    """Least Euclidean distance between a cell of ``a`` and one of ``b``."""
    return min(point_distance(p, q) for p in a for q in b)


def map_bin(distance: float) -> int:
    """The locality bin (0..7) of a true distance in cells."""
    for k, edge in enumerate(MAP_BIN_EDGES[1:-1]):
        if distance <= edge:
            return k
    return len(MAP_BIN_EDGES) - 2


def map_locality_pairs(answer: str, response: str) -> list[tuple[str, str, float, bool]]:
    """VSI-Bench's distance locality, pair by pair: for each pair of the truth's categories,
    (first, second, d_true, right) where d is the least distance in cells between their
    instances and a pair is right when the reply's d is within ``MAP_TOLERANCE`` of the true
    one (a category missing from the reply, or an unreadable reply, fails its pairs)."""
    truth = parse_map(answer)
    if truth is None:
        raise ValueError(f"answer: not a map: {answer[:60]!r}")
    guess = parse_map(response) or {}
    out = []
    for first, second in combinations(sorted(c for c, cells in truth.items() if cells), 2):
        d_true = _nearest(truth[first], truth[second])
        if guess.get(first) and guess.get(second):
            right = abs(_nearest(guess[first], guess[second]) - d_true) <= MAP_TOLERANCE
        else:
            right = False
        out.append((first, second, d_true, right))
    return out


def map_locality(answer: str, response: str) -> float:
    """The share of the truth's category pairs whose distance the reply gets within one cell
    (``map_locality_pairs``). A truth of one category has no pairs: 1.0 when the reply has
    that category, else 0.0."""
    pairs = map_locality_pairs(answer, response)
    if pairs:
        return sum(right for *_, right in pairs) / len(pairs)
    truth, guess = parse_map(answer) or {}, parse_map(response) or {}
    return float(all(guess.get(category) for category, cells in truth.items() if cells))


def map_locality_bins(answer: str, response: str) -> list[tuple[int, int]]:
    """(right, pairs) per distance bin of ``MAP_BIN_EDGES`` (8 bins), for one reply: summed
    over replies they give the per-bin table."""
    table = [[0, 0] for _ in MAP_BIN_EDGES[:-1]]
    for *_, d_true, right in map_locality_pairs(answer, response):
        row = table[map_bin(d_true)]
        row[0] += int(right)
        row[1] += 1
    return [(right, total) for right, total in table]


def map_bin_labels() -> list[str]:
    """The bins as intervals: ``[1.0, 2.1]``, ``(2.1, 3.3]``, ..."""
    edges = MAP_BIN_EDGES
    return [f"{'[' if k == 0 else '('}{edges[k]}, {edges[k + 1]}]" for k in range(len(edges) - 1)]


def map_match(answer: str, response: str, grid: int = MAP_GRID) -> float:
    """SpaceR's map score: within each category, true and predicted cells matched greedily,
    closest pair first; a match scores max(0, 1 - d / (N sqrt 2)); a category scores its
    matches' sum over max(n_pred, n_true); categories are weighted by their true instances.
    A truth without instances scores 1.0 for a reply without any, else 0.0."""
    truth = parse_map(answer)
    if truth is None:
        raise ValueError(f"answer: not a map: {answer[:60]!r}")
    guess = parse_map(response) or {}
    diagonal = grid * math.sqrt(2.0)
    total = weight = 0.0
    for category, cells in sorted(truth.items()):
        if not cells:
            continue
        predicted = guess.get(category, [])
        pairs = sorted(
            (point_distance(t, p), i, j)
            for i, t in enumerate(cells)
            for j, p in enumerate(predicted)
        )
        used_true, used_pred, matched = set(), set(), 0.0
        for distance, i, j in pairs:
            if i not in used_true and j not in used_pred:
                used_true.add(i)
                used_pred.add(j)
                matched += max(0.0, 1.0 - distance / diagonal)
        total += len(cells) * matched / max(len(predicted), len(cells))
        weight += len(cells)
    return total / weight if weight else float(not any(guess.values()))


def map_grid(labels: str | None) -> int:
    """N of a map sample, from its ``labels["map"]["grid"]`` (``MAP_GRID`` when absent)."""
    try:
        grid = json.loads(labels)["map"]["grid"] if labels else MAP_GRID
    except (ValueError, TypeError, KeyError):
        return MAP_GRID
    return grid if isinstance(grid, int) and not isinstance(grid, bool) and grid > 0 else MAP_GRID


def map_report(items: Sequence[tuple[str, str, int]]) -> dict:
    """What ``spatialqa eval`` adds for a map task, over its (answer, reply, grid) items (an
    empty reply for a missing one): ``map_locality_bins``, the share of right pairs per bin of
    the true distance (pairs pooled over the items; share None for a bin without pairs), and
    ``map_match``, the mean of SpaceR's score."""
    table = [[0, 0] for _ in MAP_BIN_EDGES[:-1]]
    for answer, reply, _ in items:
        for k, (right, total) in enumerate(map_locality_bins(answer, reply)):
            table[k][0] += right
            table[k][1] += total
    matches = [map_match(answer, reply, grid) for answer, reply, grid in items]
    return {
        "map_locality_bins": [
            {
                "bin": label,
                "pairs": total,
                "right": right,
                "share": right / total if total else None,
            }
            for label, (right, total) in zip(map_bin_labels(), table, strict=True)
        ],
        "map_match": sum(matches) / len(matches) if matches else None,
    }


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
    if metric == "map_locality":
        return map_locality(answer, response)
    if metric == "map_match":
        return map_match(answer, response)
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
